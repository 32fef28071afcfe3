// Python's escaping rules for str and bytes reprs.
#include <cstdio>

#include "pycore/python/repr.hpp"
#include "utf8.hpp"

namespace pycore::python {

namespace {

// Code points Python's str.isprintable() rejects beyond ASCII: the categories Cc, Cf, Zs,
// Zl, Zp, Cs, Co (ranges of the assigned ones) and the Cn noncharacters we know of.
// Without the Unicode database other unassigned code points count as printable.
struct Range {
  uint32_t first, last;
};
constexpr Range kNonPrintable[] = {
    {0x80, 0xA0},       {0xAD, 0xAD},        {0x600, 0x605},     {0x61C, 0x61C},
    {0x6DD, 0x6DD},     {0x70F, 0x70F},      {0x890, 0x891},     {0x8E2, 0x8E2},
    {0x1680, 0x1680},   {0x180E, 0x180E},    {0x2000, 0x200F},   {0x2028, 0x202F},
    {0x205F, 0x206F},   {0x3000, 0x3000},    {0xD800, 0xF8FF},   {0xFDD0, 0xFDEF},
    {0xFEFF, 0xFEFF},   {0xFFF0, 0xFFFB},    {0xFFFE, 0xFFFF},   {0x110BD, 0x110BD},
    {0x110CD, 0x110CD}, {0x13430, 0x1343F},  {0x1BCA0, 0x1BCA3}, {0x1D173, 0x1D17A},
    {0xE0000, 0xE00FF}, {0xE01F0, 0x10FFFF},
};

bool is_printable(uint32_t cp) {
  if (cp < 0x20 || cp == 0x7F) return false;
  if (cp < 0x7F) return true;
  for (const Range& r : kNonPrintable)
    if (cp >= r.first && cp <= r.last) return false;
  // Plane-end noncharacters U+nFFFE/U+nFFFF.
  return (cp & 0xFFFE) != 0xFFFE;
}

void append_escape(std::string& out, const char* format, uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, format, value);
  out += buf;
}

// Single quotes unless the text has a single quote and no double quote.
template <class Seq>
char choose_quote(const Seq& seq) {
  bool single = false, dbl = false;
  for (auto c : seq) {
    if (static_cast<uint32_t>(c) == '\'') single = true;
    if (static_cast<uint32_t>(c) == '"') dbl = true;
  }
  return single && !dbl ? '"' : '\'';
}

}  // namespace

std::string str_repr(const std::vector<uint32_t>& code_points) {
  char quote = choose_quote(code_points);
  std::string out(1, quote);
  for (uint32_t cp : code_points) {
    if (cp == static_cast<uint32_t>(quote) || cp == '\\') {
      out += '\\';
      out += static_cast<char>(cp);
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (is_printable(cp)) {
      detail::append_utf8(out, cp);
    } else if (cp <= 0xFF) {
      append_escape(out, "\\x%02x", cp);
    } else if (cp <= 0xFFFF) {
      append_escape(out, "\\u%04x", cp);
    } else {
      append_escape(out, "\\U%08x", cp);
    }
  }
  out += quote;
  return out;
}

std::string bytes_repr(std::string_view bytes) {
  char quote = choose_quote(bytes);
  std::string out = "b";
  out += quote;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (c == static_cast<unsigned char>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      append_escape(out, "\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += quote;
  return out;
}

std::string hex_address(uint64_t address) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(address));
  return buf;
}

}  // namespace pycore::python
