// A small, strict, bounded XML reader for S3 responses (ListObjectsV2 results
// and error documents). It builds an element tree with text content; it does
// not support DTDs, CDATA or processing instructions other than the leading
// <?xml ...?> declaration, and rejects them. Entities: the five predefined
// ones and numeric character references.
//
// Limits guard against a hostile or broken server: the input size, the
// nesting depth and the element count are capped, and any violation returns
// kCorruption naming the offset and the cause. Never throws, never recurses
// without bound.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace nasd::chunk::s3 {

struct XmlElement {
  std::string name;  // local name; a namespace prefix ("s3:Key") is kept as written
  std::string text;  // concatenated character data directly inside this element
  std::vector<XmlElement> children;

  // The first child named name, or null.
  const XmlElement* Child(std::string_view name) const;
  // The text of the first child named name, or "" when there is none.
  std::string ChildText(std::string_view name) const;
};

struct XmlLimits {
  size_t max_bytes = 16 << 20;
  size_t max_depth = 16;
  size_t max_elements = 200'000;
};

// Parses one document with a single root element.
Result<XmlElement> ParseXml(std::string_view text, const XmlLimits& limits = {});

}  // namespace nasd::chunk::s3
