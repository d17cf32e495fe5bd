#include "chunk/s3/xml_reader.h"

#include <fmt/format.h>

namespace nasd::chunk::s3 {

const XmlElement* XmlElement::Child(std::string_view n) const {
  for (const auto& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

std::string XmlElement::ChildText(std::string_view n) const {
  const XmlElement* c = Child(n);
  return c == nullptr ? std::string() : c->text;
}

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '.' || c == ':';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view s, const XmlLimits& limits) : s_(s), limits_(limits) {}

  Result<XmlElement> Document() {
    if (s_.size() > limits_.max_bytes) {
      return Corruption(fmt::format("XML response of {} bytes exceeds the {} byte limit", s_.size(), limits_.max_bytes));
    }
    SkipSpace();
    if (s_.substr(pos_, 5) == "<?xml") {
      size_t end = s_.find("?>", pos_);
      if (end == std::string_view::npos) return Bad("unterminated XML declaration");
      pos_ = end + 2;
    }
    NASD_RETURN_IF_ERROR(SkipMisc());
    if (pos_ >= s_.size() || s_[pos_] != '<') return Bad("expected a root element");
    XmlElement root;
    NASD_RETURN_IF_ERROR(Element(root, 1));
    NASD_RETURN_IF_ERROR(SkipMisc());
    if (pos_ != s_.size()) return Bad("content after the root element");
    return root;
  }

 private:
  Status Bad(std::string_view why) const {
    return Corruption(fmt::format("malformed XML response at byte {}: {}", pos_, why));
  }

  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }

  // Whitespace and comments between elements.
  Status SkipMisc() {
    for (;;) {
      SkipSpace();
      if (s_.substr(pos_, 4) != "<!--") return Status::Ok();
      size_t end = s_.find("-->", pos_ + 4);
      if (end == std::string_view::npos) return Bad("unterminated comment");
      pos_ = end + 3;
    }
  }

  Result<std::string> Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    if (pos_ == start) return Bad("expected a name");
    char first = s_[start];
    if ((first >= '0' && first <= '9') || first == '-' || first == '.') return Bad("a name starts with a digit or punctuation");
    return std::string(s_.substr(start, pos_ - start));
  }

  // Decodes text up to the next '<' (or an attribute value up to quote).
  Status Text(char stop, std::string& out) {
    while (pos_ < s_.size() && s_[pos_] != stop) {
      char c = s_[pos_];
      if (c == '<') return Bad("'<' inside an attribute value");
      if (c != '&') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      size_t semi = s_.find(';', pos_);
      if (semi == std::string_view::npos || semi - pos_ > 12) return Bad("unterminated entity");
      std::string_view ent = s_.substr(pos_ + 1, semi - pos_ - 1);
      if (ent == "lt") out.push_back('<');
      else if (ent == "gt") out.push_back('>');
      else if (ent == "amp") out.push_back('&');
      else if (ent == "quot") out.push_back('"');
      else if (ent == "apos") out.push_back('\'');
      else if (ent.size() > 1 && ent[0] == '#') {
        bool hex = ent[1] == 'x';
        std::string_view digits = ent.substr(hex ? 2 : 1);
        if (digits.empty()) return Bad("empty character reference");
        uint32_t cp = 0;
        for (char d : digits) {
          int v = (d >= '0' && d <= '9') ? d - '0'
                  : (hex && d >= 'a' && d <= 'f') ? d - 'a' + 10
                  : (hex && d >= 'A' && d <= 'F') ? d - 'A' + 10
                                                  : -1;
          if (v < 0) return Bad("bad character reference");
          cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
          if (cp > 0x10FFFF) return Bad("character reference out of range");
        }
        if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return Bad("invalid character reference");
        AppendUtf8(cp, out);
      } else {
        return Bad("unknown entity");
      }
      pos_ = semi + 1;
    }
    return Status::Ok();
  }

  // Parses an element starting at '<'. Depth counts from 1 at the root.
  Status Element(XmlElement& el, size_t depth) {
    if (depth > limits_.max_depth) return Bad("elements nested too deeply");
    if (++elements_ > limits_.max_elements) return Bad("too many elements");
    ++pos_;  // '<'
    NASD_ASSIGN_OR_RETURN(el.name, Name());
    // Attributes are parsed for well-formedness and dropped.
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) return Bad("unterminated start tag");
      if (s_[pos_] == '/') {
        if (s_.substr(pos_, 2) != "/>") return Bad("expected '/>'");
        pos_ += 2;
        return Status::Ok();
      }
      if (s_[pos_] == '>') {
        ++pos_;
        break;
      }
      NASD_ASSIGN_OR_RETURN(std::string attr, Name());
      SkipSpace();
      if (pos_ >= s_.size() || s_[pos_] != '=') return Bad("expected '=' after an attribute name");
      ++pos_;
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) return Bad("expected a quoted value");
      char quote = s_[pos_++];
      std::string ignored;
      NASD_RETURN_IF_ERROR(Text(quote, ignored));
      if (pos_ >= s_.size()) return Bad("unterminated attribute value");
      ++pos_;
    }
    // Content: text, children and comments until the matching end tag.
    for (;;) {
      if (pos_ >= s_.size()) return Bad(fmt::format("element <{}> is not closed", el.name));
      if (s_[pos_] != '<') {
        size_t lt = s_.find('<', pos_);
        std::string_view chunk = s_.substr(pos_, lt == std::string_view::npos ? s_.size() - pos_ : lt - pos_);
        Parser sub(chunk, limits_);
        NASD_RETURN_IF_ERROR(sub.Text('<', el.text).WithContext(fmt::format("near byte {}", pos_)));
        pos_ += chunk.size();
        continue;
      }
      if (s_.substr(pos_, 4) == "<!--") {
        NASD_RETURN_IF_ERROR(SkipMisc());
        continue;
      }
      if (s_.substr(pos_, 2) == "<!" || s_.substr(pos_, 2) == "<?") return Bad("unsupported markup");
      if (s_.substr(pos_, 2) == "</") {
        pos_ += 2;
        NASD_ASSIGN_OR_RETURN(std::string end, Name());
        if (end != el.name) return Bad(fmt::format("</{}> closes <{}>", end, el.name));
        SkipSpace();
        if (pos_ >= s_.size() || s_[pos_] != '>') return Bad("expected '>'");
        ++pos_;
        return Status::Ok();
      }
      el.children.emplace_back();
      NASD_RETURN_IF_ERROR(Element(el.children.back(), depth + 1));
    }
  }

  std::string_view s_;
  const XmlLimits& limits_;
  size_t pos_ = 0;
  size_t elements_ = 0;
};

}  // namespace

Result<XmlElement> ParseXml(std::string_view text, const XmlLimits& limits) {
  return Parser(text, limits).Document();
}

}  // namespace nasd::chunk::s3
