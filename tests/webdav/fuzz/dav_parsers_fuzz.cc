// libFuzzer target for the WebDAV parsers of hostile request text: XML
// bodies, the If, Range and Timeout headers, and request paths and URLs.
// The first input byte picks the parser; the rest is its input. Each case
// checks properties of what is accepted (round trips, limits, a DavPath
// that cannot leave its share) and that every refusal says why. Built with
// clang by tests/fuzz/run_fuzz.sh (spec: dav_parsers_fuzz.sh).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "vfs/types.h"
#include "webdav/dav_path.h"
#include "webdav/if_header.h"
#include "webdav/lock_table.h"
#include "webdav/range.h"
#include "webdav/timeout.h"
#include "webdav/xml.h"

namespace {

using namespace nasd;
using namespace nasd::webdav;
using nasd::fuzz::CheckError;

// ---- XML ----

bool SameTree(const XmlNode& a, const XmlNode& b) {
  if (a.is_text != b.is_text || a.text != b.text || a.ns != b.ns || a.name != b.name ||
      a.attrs.size() != b.attrs.size() || a.children.size() != b.children.size()) {
    return false;
  }
  for (size_t i = 0; i < a.attrs.size(); ++i) {
    if (a.attrs[i].ns != b.attrs[i].ns || a.attrs[i].name != b.attrs[i].name ||
        a.attrs[i].value != b.attrs[i].value) {
      return false;
    }
  }
  for (size_t i = 0; i < a.children.size(); ++i) {
    if (!SameTree(a.children[i], b.children[i])) return false;
  }
  return true;
}

// Elements in the tree, and its depth in elements (the root is 1).
void Measure(const XmlNode& n, int depth, size_t& elements, int& max_depth) {
  if (n.is_text) return;
  ++elements;
  max_depth = std::max(max_depth, depth);
  for (const auto& c : n.children) Measure(c, depth + 1, elements, max_depth);
}

// What ParseXml accepts serializes into a fragment that parses to the same
// tree (xml.h: the fragment "keeps its meaning"). The fragment may be longer
// than the body, so it is parsed without the byte cap.
void CheckXmlRoundTrip(const XmlNode& root) {
  FUZZ_CHECK(!root.is_text);
  std::string text = SerializeXml(root);
  XmlLimits roomy;
  roomy.max_bytes = SIZE_MAX;
  auto again = ParseXml(text, roomy);
  if (!again.ok())
    std::fprintf(stderr, "reparse of %s: %s\n", text.c_str(), again.status().message().c_str());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameTree(root, *again));
}

void FuzzXml(std::string_view body) {
  auto doc = ParseXml(body);
  if (!doc.ok()) return CheckError(doc.status(), {Code::kInvalidArgument});
  CheckXmlRoundTrip(*doc);
}

// Tight limits from the first bytes; the rest is the body. What the tight
// parse accepts is within its limits and equals the default parse; what it
// refuses but the default parse accepts breaks one of the limits.
void FuzzXmlTight(std::string_view in) {
  if (in.size() < 3) return;
  XmlLimits tight;
  tight.max_bytes = static_cast<uint8_t>(in[0]) * 4;
  tight.max_depth = static_cast<uint8_t>(in[1]) % 8;
  tight.max_elements = static_cast<uint8_t>(in[2]) % 32;
  std::string_view body = in.substr(3);
  auto narrow = ParseXml(body, tight);
  auto wide = ParseXml(body);
  if (!narrow.ok()) CheckError(narrow.status(), {Code::kInvalidArgument});
  if (narrow.ok()) {
    FUZZ_CHECK(body.size() <= tight.max_bytes);
    size_t elements = 0;
    int depth = 0;
    Measure(*narrow, 1, elements, depth);
    FUZZ_CHECK(elements <= tight.max_elements);
    FUZZ_CHECK(depth <= tight.max_depth);
    FUZZ_CHECK(wide.ok());
    FUZZ_CHECK(SameTree(*narrow, *wide));
    CheckXmlRoundTrip(*narrow);
  } else if (wide.ok()) {
    size_t elements = 0;
    int depth = 0;
    Measure(*wide, 1, elements, depth);
    FUZZ_CHECK(body.size() > tight.max_bytes || elements > tight.max_elements ||
               depth > tight.max_depth);
  }
}

// ---- If header ----

std::string RenderIf(const IfHeader& h) {
  std::string out;
  for (const auto& l : h.lists) {
    if (l.tag) out += "<" + *l.tag + "> ";
    out += "(";
    for (const auto& c : l.conditions) {
      if (c.negate) out += "Not ";
      out += c.is_etag ? "[" + c.value + "] " : "<" + c.value + "> ";
    }
    out += ") ";
  }
  return out;
}

bool SameIf(const IfHeader& a, const IfHeader& b) {
  if (a.lists.size() != b.lists.size()) return false;
  for (size_t i = 0; i < a.lists.size(); ++i) {
    const auto& x = a.lists[i];
    const auto& y = b.lists[i];
    if (x.tag != y.tag || x.conditions.size() != y.conditions.size()) return false;
    for (size_t j = 0; j < x.conditions.size(); ++j) {
      const auto& c = x.conditions[j];
      const auto& d = y.conditions[j];
      if (c.negate != d.negate || c.is_etag != d.is_etag || c.value != d.value) return false;
    }
  }
  return true;
}

// A state that meets every condition of list, or false when the list
// contradicts itself.
bool StateMeeting(const IfList& list, ResourceState& state) {
  std::set<std::string> etags, tokens;
  for (const auto& c : list.conditions) {
    if (c.negate) continue;
    (c.is_etag ? etags : tokens).insert(c.value);
  }
  if (etags.size() > 1 || (etags.size() == 1 && etags.begin()->empty())) return false;
  state.etag = etags.empty() ? "\"no-such-etag-\x01\"" : *etags.begin();
  for (const auto& c : list.conditions) {
    if (!c.negate) continue;
    if (c.is_etag ? c.value == state.etag : tokens.count(c.value) != 0) return false;
  }
  state.lock_tokens.assign(tokens.begin(), tokens.end());
  return true;
}

void FuzzIfHeader(std::string_view text) {
  auto h = ParseIfHeader(text);
  if (!h.ok()) return CheckError(h.status(), {Code::kInvalidArgument});
  FUZZ_CHECK(!h->lists.empty());
  size_t conditions = 0;
  size_t tokens = 0;
  for (const auto& l : h->lists) {
    FUZZ_CHECK(!l.conditions.empty());
    FUZZ_CHECK(l.tag.has_value() == h->lists[0].tag.has_value());  // never mixed
    if (l.tag) FUZZ_CHECK(l.tag->find('>') == std::string::npos);
    for (const auto& c : l.conditions) {
      ++conditions;
      if (!c.is_etag) ++tokens;
      FUZZ_CHECK(c.value.find(c.is_etag ? ']' : '>') == std::string::npos);
    }
  }
  FUZZ_CHECK(conditions <= kMaxIfConditions);
  FUZZ_CHECK(h->Tokens().size() == tokens);
  auto again = ParseIfHeader(RenderIf(*h));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(SameIf(*h, *again));
  // An untagged header holds for a state meeting one of its lists.
  DavPath path;
  path.segments = {"a"};
  for (const auto& l : h->lists) {
    ResourceState state;
    if (!l.tag && StateMeeting(l, state)) FUZZ_CHECK(IfHeaderHolds(*h, "s", path, state));
  }
  (void)IfHeaderHolds(*h, "s", path, ResourceState{});
}

// ---- Range ----

uint64_t TakeSize(std::string_view& in) {
  if (in.empty()) return 0;
  uint8_t mode = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  switch (mode % 4) {
    case 0:
      return mode / 4;  // 0..63
    case 1:
      return UINT64_MAX;
    case 2:
      return UINT64_MAX - mode / 4;
    default: {
      uint64_t size = 0;
      size_t n = std::min<size_t>(8, in.size());
      std::memcpy(&size, in.data(), n);
      in.remove_prefix(n);
      return size;
    }
  }
}

void CheckRanges(const RangeRequest& r, uint64_t size) {
  switch (r.kind) {
    case RangeRequest::Kind::kWhole:
    case RangeRequest::Kind::kUnsatisfiable:
      FUZZ_CHECK(r.ranges.empty());
      break;
    case RangeRequest::Kind::kRanges:
      FUZZ_CHECK(!r.ranges.empty() && r.ranges.size() <= kMaxRanges);
      for (const auto& b : r.ranges) {
        FUZZ_CHECK(b.length >= 1);
        FUZZ_CHECK(b.offset < size);
        FUZZ_CHECK(b.length <= size - b.offset);
      }
      break;
  }
}

void FuzzRange(std::string_view in) {
  uint64_t size = TakeSize(in);
  auto r = ParseRange(in, size);
  if (!r.ok()) {
    CheckError(r.status(), {Code::kInvalidArgument});
  } else {
    CheckRanges(*r, size);
  }
  // Whether the header is well-formed does not depend on the size, and a
  // larger representation keeps every satisfiable part.
  uint64_t bigger = size + 1 == 0 ? size : size + 1;
  auto r2 = ParseRange(in, bigger);
  FUZZ_CHECK(r.ok() == r2.ok());
  if (!r.ok()) return;
  CheckRanges(*r2, bigger);
  FUZZ_CHECK((r->kind == RangeRequest::Kind::kWhole) == (r2->kind == RangeRequest::Kind::kWhole));
  FUZZ_CHECK(r2->ranges.size() >= r->ranges.size());
}

// ---- Paths and URLs ----

// dav_path.h: every name is a valid vfs name, so no path leaves its share.
void CheckSegments(const DavPath& p) {
  for (const auto& s : p.segments) {
    FUZZ_CHECK(!s.empty());
    FUZZ_CHECK(s != "." && s != "..");
    FUZZ_CHECK(s.find('/') == std::string::npos);
    FUZZ_CHECK(s.find('\0') == std::string::npos);
    FUZZ_CHECK(s.size() <= vfs::kMaxNameLength);
  }
}

// Href writes a URL that ParseDavUrl reads back to the same share and path.
void CheckHrefRoundTrip(std::string_view share, const DavPath& p) {
  for (bool collection : {false, true}) {
    auto url = ParseDavUrl(Href(share, p, collection));
    if (!url.ok()) std::fprintf(stderr, "href: %s\n", url.status().message().c_str());
    FUZZ_CHECK(url.ok());
    FUZZ_CHECK(url->share == share && url->path == p && url->authority.empty());
  }
}

void CheckPathAlgebra(const DavPath& p) {
  FUZZ_CHECK(p.IsWithin(p) && p.IsWithin(DavPath{}));
  FUZZ_CHECK(p.IsWithin(p.Parent()));
  FUZZ_CHECK(p.Child("x").IsWithin(p) && !p.IsWithin(p.Child("x")));
  FUZZ_CHECK(p.is_root() || p.Parent().Child(p.Name()) == p);
}

void FuzzDavPath(std::string_view decoded) {
  auto p = ParseDavPath(decoded);
  if (!p.ok()) return CheckError(p.status(), {Code::kInvalidArgument, Code::kNameTooLong});
  FUZZ_CHECK(decoded.size() <= kMaxPathBytes);
  CheckSegments(*p);
  // The key is the input without its trailing '/'; it parses to the same path.
  std::string key = p->Key();
  FUZZ_CHECK(key == decoded || key + "/" == decoded);
  auto again = ParseDavPath(key);
  FUZZ_CHECK(again.ok() && *again == *p);
  CheckPathAlgebra(*p);
  CheckHrefRoundTrip("s", *p);
}

void FuzzDavUrl(std::string_view url) {
  auto u = ParseDavUrl(url);
  if (!u.ok()) {
    return CheckError(u.status(), {Code::kInvalidArgument, Code::kNameTooLong, Code::kCrossDevice});
  }
  FUZZ_CHECK(!u->share.empty());
  FUZZ_CHECK(u->share != "." && u->share != "..");
  FUZZ_CHECK(u->share.find('/') == std::string::npos);
  CheckSegments(u->path);
  CheckHrefRoundTrip(u->share, u->path);
}

// ---- Timeout ----

void FuzzTimeout(std::string_view text) {
  auto t = ParseTimeout(text);
  if (!t.ok()) return CheckError(t.status(), {Code::kInvalidArgument});
  FUZZ_CHECK(*t >= std::chrono::seconds(1) && *t <= kMaxLockTimeout);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0:
      FuzzXml(in);
      break;
    case 1:
      FuzzXmlTight(in);
      break;
    case 2:
      FuzzIfHeader(in);
      break;
    case 3:
      FuzzRange(in);
      break;
    case 4:
      FuzzDavPath(in);
      break;
    case 5:
      FuzzDavUrl(in);
      break;
    default:
      FuzzTimeout(in);
      break;
  }
  return 0;
}
