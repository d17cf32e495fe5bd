#include "webdav/if_header.h"

#include <fmt/format.h>

#include <algorithm>

namespace nasd::webdav {
namespace {

class IfParser {
 public:
  explicit IfParser(std::string_view s) : s_(s) {}

  Result<IfHeader> Parse() {
    IfHeader h;
    size_t conditions = 0;
    SkipSpace();
    if (AtEnd()) return InvalidArgument("empty If header");
    bool tagged = Peek() == '<';
    std::optional<std::string> tag;
    while (!AtEnd()) {
      if (Peek() == '<') {
        if (!tagged) return InvalidArgument("If header mixes tagged and untagged lists");
        auto t = Delimited('<', '>');
        if (!t.ok()) return t.status();
        tag = *t;
        SkipSpace();
        if (AtEnd() || Peek() != '(')
          return InvalidArgument("If header resource tag without a list");
        continue;
      }
      if (Peek() != '(')
        return InvalidArgument(fmt::format("unexpected '{}' in If header", Peek()));
      ++pos_;
      IfList list;
      list.tag = tag;
      while (true) {
        SkipSpace();
        if (AtEnd()) return InvalidArgument("unterminated list in If header");
        if (Peek() == ')') {
          ++pos_;
          break;
        }
        IfCondition c;
        if (s_.substr(pos_).starts_with("Not")) {
          c.negate = true;
          pos_ += 3;
          SkipSpace();
          if (AtEnd()) return InvalidArgument("'Not' without a condition in If header");
        }
        if (Peek() == '<') {
          auto t = Delimited('<', '>');
          if (!t.ok()) return t.status();
          c.value = *t;
        } else if (Peek() == '[') {
          auto t = Delimited('[', ']');
          if (!t.ok()) return t.status();
          c.is_etag = true;
          c.value = *t;
        } else {
          return InvalidArgument(fmt::format("unexpected '{}' in If header list", Peek()));
        }
        if (++conditions > kMaxIfConditions) {
          return InvalidArgument(
              fmt::format("If header has more than {} conditions", kMaxIfConditions));
        }
        list.conditions.push_back(std::move(c));
      }
      if (list.conditions.empty()) return InvalidArgument("empty list in If header");
      h.lists.push_back(std::move(list));
      SkipSpace();
    }
    return h;
  }

 private:
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return s_[pos_]; }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t')) ++pos_;
  }
  Result<std::string> Delimited(char open, char close) {
    if (AtEnd() || Peek() != open)
      return InvalidArgument("If header: expected '" + std::string(1, open) + "'");
    size_t end = s_.find(close, pos_ + 1);
    if (end == std::string_view::npos) {
      return InvalidArgument("If header: missing '" + std::string(1, close) + "'");
    }
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    SkipSpace();
    return out;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

bool TagNames(const std::string& tag, std::string_view share, const DavPath& path) {
  auto url = ParseDavUrl(tag);
  return url.ok() && url->share == share && url->path == path;
}

}  // namespace

std::vector<std::string> IfHeader::Tokens() const {
  std::vector<std::string> out;
  for (const auto& l : lists) {
    for (const auto& c : l.conditions) {
      if (!c.is_etag) out.push_back(c.value);
    }
  }
  return out;
}

Result<IfHeader> ParseIfHeader(std::string_view header) { return IfParser(header).Parse(); }

bool IfHeaderHolds(const IfHeader& h, std::string_view share, const DavPath& path,
                   const ResourceState& state) {
  bool applicable = false;
  for (const auto& list : h.lists) {
    if (list.tag && !TagNames(*list.tag, share, path)) continue;
    applicable = true;
    bool holds = true;
    for (const auto& c : list.conditions) {
      bool match = false;
      if (c.is_etag) {
        match = !state.etag.empty() && c.value == state.etag;
      } else {
        match = std::find(state.lock_tokens.begin(), state.lock_tokens.end(), c.value) !=
                state.lock_tokens.end();
      }
      if (match == c.negate) {
        holds = false;
        break;
      }
    }
    if (holds) return true;
  }
  return !applicable;
}

}  // namespace nasd::webdav
