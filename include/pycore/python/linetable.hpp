// Line-number tables of code objects, decoded exactly as CPython decodes them.
// Pure functions over the raw bytes of co_lnotab / co_linetable; malformed or truncated
// tables end the decoding early instead of reading past the span.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "pycore/layout/layout.hpp"

namespace pycore::python {

// A run of bytecode [start, end) in BYTES from the start of co_code and its location.
// A missing line means "no line" (CPython: -1 / None); columns are 0-based UTF-8 offsets.
struct LineEntry {
  int64_t start = 0;
  int64_t end = 0;
  std::optional<int> line;
  std::optional<int> end_line;
  std::optional<int> column;
  std::optional<int> end_column;
};

// 3.6-3.9 co_lnotab: (byte delta, signed line delta) pairs. One entry per line start,
// `end` of the last entry is INT64_MAX (the table does not record the code size).
std::vector<LineEntry> decode_lnotab(std::span<const uint8_t> table, int firstlineno);
// 3.10 co_linetable: (byte delta, line delta or -128 for "no line") pairs, zero-length
// ranges dropped (PyLineTable_NextAddressRange).
std::vector<LineEntry> decode_linetable310(std::span<const uint8_t> table, int firstlineno);
// 3.11+ location table (varint/svarint entries with columns), as co_positions() reads it.
std::vector<LineEntry> decode_locations(std::span<const uint8_t> table, int firstlineno);

std::vector<LineEntry> decode_line_table(layout::LineTable format, std::span<const uint8_t> table,
                                         int firstlineno);

// The location of the instruction at `byte_offset` (PyCode_Addr2Line semantics: a negative
// offset means the frame has not started and gives co_firstlineno). nullopt when the offset
// is outside the table; a LineEntry without line when the instruction has none.
std::optional<LineEntry> location_at(layout::LineTable format, std::span<const uint8_t> table,
                                     int firstlineno, int64_t byte_offset);

// Convenience: just the line (nullopt for "no line" or an offset outside the table).
std::optional<int> line_at(layout::LineTable format, std::span<const uint8_t> table,
                           int firstlineno, int64_t byte_offset);

}  // namespace pycore::python
