// libFuzzer target: the line-table decoders of every version (3.6-3.9 co_lnotab, 3.10
// co_linetable, 3.11+ location table with its varints). Input: format byte,
// co_firstlineno (i32), a byte offset (i32), then the table.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "pycore/python/linetable.hpp"

using namespace pycore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 9) return 0;
  auto format = static_cast<layout::LineTable>(data[0] % 3);
  int32_t firstlineno = 0, offset = 0;
  std::memcpy(&firstlineno, data + 1, 4);
  std::memcpy(&offset, data + 5, 4);
  std::span<const uint8_t> table(data + 9, size - 9);
  auto entries = python::decode_line_table(format, table, firstlineno);
  (void)python::location_at(format, table, firstlineno, offset);
  (void)python::line_at(format, table, firstlineno, offset);
  for (size_t i = 0; i < entries.size() && i < 16; ++i)
    (void)python::location_at(format, table, firstlineno, entries[i].start);
  return 0;
}
