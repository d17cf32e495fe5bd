// A small XML tree for WebDAV request bodies, parsed with expat.
//
// The parser is built for hostile input: the body size, element nesting and
// element count are capped, and any DOCTYPE (hence any entity declaration or
// external reference) is refused. Every failure is kInvalidArgument with a
// message naming what was wrong, which handlers answer with 400.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace nasd::webdav {

// An element or a text node. Names are expanded: ns is the namespace URI
// ("" for none), name the local name.
struct XmlNode {
  bool is_text = false;
  std::string text;  // text nodes only
  std::string ns;
  std::string name;
  // Attributes as (ns, local name, value).
  struct Attr {
    std::string ns;
    std::string name;
    std::string value;
  };
  std::vector<Attr> attrs;
  std::vector<XmlNode> children;

  bool Is(std::string_view want_ns, std::string_view want_name) const {
    return !is_text && ns == want_ns && name == want_name;
  }
  // The first child element with this expanded name, or nullptr.
  const XmlNode* Child(std::string_view want_ns, std::string_view want_name) const;
  // Child elements only (text and whitespace skipped).
  std::vector<const XmlNode*> Elements() const;
  // Concatenated text of the direct text children.
  std::string Text() const;
};

struct XmlLimits {
  size_t max_bytes = 1 << 20;
  int max_depth = 64;
  size_t max_elements = 20000;
};

inline constexpr std::string_view kDavNs = "DAV:";

// Parses a whole document and returns its root element.
Result<XmlNode> ParseXml(std::string_view body, const XmlLimits& limits = {});

// Serializes an element (and its subtree) as a self-contained fragment: each
// namespaced element declares its namespace as the default, so the fragment
// keeps its meaning wherever it is pasted.
std::string SerializeXml(const XmlNode& node);

// Escapes &, <, >, " and ' for text and attribute values.
std::string XmlEscape(std::string_view s);

}  // namespace nasd::webdav
