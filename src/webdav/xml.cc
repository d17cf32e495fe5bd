#include "webdav/xml.h"

#include <expat.h>
#include <fmt/format.h>

namespace nasd::webdav {
namespace {

constexpr char kNsSep = '\x01';
constexpr std::string_view kXmlNs = "http://www.w3.org/XML/1998/namespace";

std::pair<std::string, std::string> SplitName(const char* expanded) {
  std::string_view s(expanded);
  size_t sep = s.find(kNsSep);
  if (sep == std::string_view::npos) return {"", std::string(s)};
  return {std::string(s.substr(0, sep)), std::string(s.substr(sep + 1))};
}

// Parse state shared with the expat callbacks.
struct Builder {
  XML_Parser parser = nullptr;
  const XmlLimits* limits = nullptr;
  XmlNode root;
  bool have_root = false;
  std::vector<XmlNode*> stack;
  size_t elements = 0;
  std::string error;

  void Fail(std::string why) {
    if (error.empty()) error = std::move(why);
    XML_StopParser(parser, XML_FALSE);
  }
};

void OnStart(void* data, const XML_Char* name, const XML_Char** attrs) {
  auto* b = static_cast<Builder*>(data);
  if (!b->error.empty()) return;
  if (++b->elements > b->limits->max_elements) return b->Fail("too many XML elements");
  if (static_cast<int>(b->stack.size()) >= b->limits->max_depth)
    return b->Fail("XML nested too deeply");
  XmlNode node;
  std::tie(node.ns, node.name) = SplitName(name);
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    auto [ns, local] = SplitName(attrs[i]);
    node.attrs.push_back({std::move(ns), std::move(local), attrs[i + 1]});
  }
  if (b->stack.empty()) {
    b->root = std::move(node);
    b->have_root = true;
    b->stack.push_back(&b->root);
    return;
  }
  auto& siblings = b->stack.back()->children;
  siblings.push_back(std::move(node));
  b->stack.push_back(&siblings.back());
}

void OnEnd(void* data, const XML_Char*) {
  auto* b = static_cast<Builder*>(data);
  if (!b->stack.empty()) b->stack.pop_back();
}

void OnText(void* data, const XML_Char* s, int len) {
  auto* b = static_cast<Builder*>(data);
  if (b->stack.empty() || !b->error.empty()) return;
  auto& children = b->stack.back()->children;
  if (children.empty() || !children.back().is_text) {
    XmlNode t;
    t.is_text = true;
    children.push_back(std::move(t));
  }
  children.back().text.append(s, static_cast<size_t>(len));
}

void OnDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<Builder*>(data)->Fail("DOCTYPE declarations are not accepted");
}

void OnEntity(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
              const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<Builder*>(data)->Fail("entity declarations are not accepted");
}

// An attribute value: as text, plus tab and newline as references (a parser
// turns literal ones into spaces, XML 1.0 3.3.3).
std::string AttrEscape(std::string_view s) {
  std::string out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i < s.size() && s[i] != '\t' && s[i] != '\n') continue;
    out += XmlEscape(s.substr(start, i - start));
    if (i < s.size()) out += s[i] == '\t' ? "&#9;" : "&#10;";
    start = i + 1;
  }
  return out;
}

void SerializeInto(const XmlNode& n, std::string_view default_ns, std::string& out) {
  if (n.is_text) {
    out += XmlEscape(n.text);
    return;
  }
  // The xml namespace may not be declared as the default: its prefix is fixed.
  std::string qname = n.ns == kXmlNs ? "xml:" + n.name : n.name;
  std::string_view child_ns = n.ns == kXmlNs ? default_ns : std::string_view(n.ns);
  out += '<';
  out += qname;
  if (child_ns != default_ns) {
    out += " xmlns=\"";
    out += AttrEscape(n.ns);
    out += '"';
  }
  int prefix = 0;
  for (const auto& a : n.attrs) {
    out += ' ';
    if (a.ns == kXmlNs) {
      out += "xml:";
    } else if (!a.ns.empty()) {
      std::string p = fmt::format("a{}", prefix++);
      out += fmt::format("xmlns:{}=\"{}\" {}:", p, AttrEscape(a.ns), p);
    }
    out += a.name;
    out += "=\"";
    out += AttrEscape(a.value);
    out += '"';
  }
  if (n.children.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const auto& c : n.children) SerializeInto(c, child_ns, out);
  out += "</";
  out += qname;
  out += '>';
}

}  // namespace

const XmlNode* XmlNode::Child(std::string_view want_ns, std::string_view want_name) const {
  for (const auto& c : children) {
    if (c.Is(want_ns, want_name)) return &c;
  }
  return nullptr;
}

std::vector<const XmlNode*> XmlNode::Elements() const {
  std::vector<const XmlNode*> out;
  for (const auto& c : children) {
    if (!c.is_text) out.push_back(&c);
  }
  return out;
}

std::string XmlNode::Text() const {
  std::string out;
  for (const auto& c : children) {
    if (c.is_text) out += c.text;
  }
  return out;
}

Result<XmlNode> ParseXml(std::string_view body, const XmlLimits& limits) {
  if (body.size() > limits.max_bytes) {
    return InvalidArgument(fmt::format("XML body larger than {} bytes", limits.max_bytes));
  }
  if (body.size() > static_cast<size_t>(INT32_MAX)) return InvalidArgument("XML body too large");
  Builder b;
  b.limits = &limits;
  b.parser = XML_ParserCreateNS(nullptr, kNsSep);
  if (b.parser == nullptr) return Internal("cannot create an XML parser");
  XML_SetUserData(b.parser, &b);
  XML_SetElementHandler(b.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(b.parser, OnText);
  XML_SetStartDoctypeDeclHandler(b.parser, OnDoctype);
  XML_SetEntityDeclHandler(b.parser, OnEntity);
  XML_SetParamEntityParsing(b.parser, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_Status st = XML_Parse(b.parser, body.data(), static_cast<int>(body.size()), XML_TRUE);
  std::string expat_error;
  if (st != XML_STATUS_OK && b.error.empty()) {
    expat_error = fmt::format("malformed XML at line {}: {}", XML_GetCurrentLineNumber(b.parser),
                              XML_ErrorString(XML_GetErrorCode(b.parser)));
  }
  XML_ParserFree(b.parser);
  if (!b.error.empty()) return InvalidArgument(b.error);
  if (!expat_error.empty()) return InvalidArgument(expat_error);
  if (!b.have_root) return InvalidArgument("XML body has no root element");
  return std::move(b.root);
}

std::string SerializeXml(const XmlNode& node) {
  std::string out;
  SerializeInto(node, "", out);
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace nasd::webdav
