// repr() of objects in the crashed process, computed from memory only: never runs Python
// code, so objects are shown as their builtin repr would show them (a subclass's own
// __repr__ is not known). Bounded by depth, items and characters; unreadable memory
// yields "<unreadable 0x...>" instead of stopping.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pycore/python/objects.hpp"

namespace pycore::python {

struct ReprOptions {
  size_t max_depth = 6;         // nesting of containers; deeper ones print as "<list (N items)>"
  size_t max_items = 64;        // per container; the rest prints as ", ..."
  size_t max_str_chars = 1024;  // per str/bytes; longer ones print as 'abc'...
  size_t max_chars = 4096;      // whole result; cut with "..." when exceeded
};

std::string safe_repr(const ObjectReader& reader, uint64_t obj, const ReprOptions& options = {});

// Python's repr of a str given as code points (quote choice and escaping of
// unicode_repr; printability of non-ASCII approximated without the Unicode database).
std::string str_repr(const std::vector<uint32_t>& code_points);
// Python's repr of bytes (b'...').
std::string bytes_repr(std::string_view bytes);
// "0x7f..." like Python's %p.
std::string hex_address(uint64_t address);

}  // namespace pycore::python
