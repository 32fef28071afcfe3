// The three CPython line-table formats (see cpython-internals.md §3.2).
#include "pycore/python/linetable.hpp"

#include <limits>

namespace pycore::python {

namespace {

constexpr int64_t kOpenEnd = std::numeric_limits<int64_t>::max();

// Reader over a location table that never leaves the span.
class ByteCursor {
 public:
  explicit ByteCursor(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  bool at_end() const { return pos_ >= bytes_.size(); }
  size_t pos() const { return pos_; }
  std::optional<uint8_t> peek() const {
    if (at_end()) return std::nullopt;
    return bytes_[pos_];
  }
  std::optional<uint8_t> next() {
    if (at_end()) return std::nullopt;
    return bytes_[pos_++];
  }
  // 6-bit little-endian groups, 0x40 = more follows (read_varint in codeobject.c).
  std::optional<uint32_t> varint() {
    auto b = next();
    if (!b) return std::nullopt;
    uint32_t value = *b & 63;
    unsigned shift = 0;
    while (*b & 64) {
      b = next();
      if (!b) return std::nullopt;
      shift += 6;
      if (shift > 30) return std::nullopt;  // not a valid table
      value |= static_cast<uint32_t>(*b & 63) << shift;
    }
    return value;
  }
  std::optional<int32_t> svarint() {
    auto u = varint();
    if (!u) return std::nullopt;
    int32_t magnitude = static_cast<int32_t>(*u >> 1);
    return (*u & 1) ? -magnitude : magnitude;
  }

 private:
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

// Location kinds of the 3.11+ table (_PyCodeLocationInfoKind).
constexpr int kOneLine0 = 10;
constexpr int kNoColumns = 13;
constexpr int kLong = 14;
constexpr int kNone = 15;

// Line arithmetic wraps as CPython's int does on x86-64: a damaged table or co_firstlineno
// read from a corrupt core gives a wrong line, never undefined behaviour.
int add_lines(int line, int64_t delta) {
  return static_cast<int>(static_cast<uint32_t>(line) + static_cast<uint32_t>(delta));
}

// A 1-based column from the table, 0 meaning "none".
std::optional<int> column_from(uint32_t v) {
  if (v == 0 || v > static_cast<uint32_t>(std::numeric_limits<int>::max())) return std::nullopt;
  return static_cast<int>(v) - 1;
}

}  // namespace

std::vector<LineEntry> decode_lnotab(std::span<const uint8_t> table, int firstlineno) {
  // PyCode_Addr2Line (3.6-3.9): addr += byte delta; stop past the target; line += delta.
  // Entry i covers [addr_i, addr_{i+1}) with the line accumulated before the next delta.
  std::vector<LineEntry> out;
  int line = firstlineno;
  int64_t addr = 0;
  LineEntry cur{0, kOpenEnd, line, line, std::nullopt, std::nullopt};
  for (size_t i = 0; i + 1 < table.size(); i += 2) {
    int64_t next_addr = addr + table[i];
    if (next_addr != addr) {
      cur.end = next_addr;
      if (cur.start < cur.end) out.push_back(cur);
      cur.start = next_addr;
    }
    addr = next_addr;
    line = add_lines(line, static_cast<int8_t>(table[i + 1]));
    cur.line = line;
    cur.end_line = line;
  }
  cur.end = kOpenEnd;
  out.push_back(cur);
  return out;
}

std::vector<LineEntry> decode_linetable310(std::span<const uint8_t> table, int firstlineno) {
  std::vector<LineEntry> out;
  int line = firstlineno;
  int64_t end = 0;
  for (size_t i = 0; i + 1 < table.size(); i += 2) {
    int64_t start = end;
    end += table[i];
    int8_t ldelta = static_cast<int8_t>(table[i + 1]);
    std::optional<int> range_line;
    if (ldelta != -128) {
      line = add_lines(line, ldelta);
      range_line = line;
    }
    if (start == end) continue;  // zero-width ranges only carry line deltas
    out.push_back(LineEntry{start, end, range_line, range_line, std::nullopt, std::nullopt});
  }
  return out;
}

std::vector<LineEntry> decode_locations(std::span<const uint8_t> table, int firstlineno) {
  std::vector<LineEntry> out;
  ByteCursor c(table);
  int line = firstlineno;
  int64_t addr = 0;
  while (!c.at_end()) {
    uint8_t first = *c.next();
    if (!(first & 0x80)) break;  // not at an entry start: corrupt table
    int code = (first >> 3) & 15;
    LineEntry e;
    e.start = addr;
    e.end = addr + 2 * ((first & 7) + 1);
    bool ok = true;
    if (code == kNone) {
      // no line, no columns; the running line is unchanged
    } else if (code == kLong) {
      auto dl = c.svarint();
      auto dend = c.varint();
      auto col = c.varint();
      auto end_col = c.varint();
      ok = dl && dend && col && end_col;
      if (ok) {
        line = add_lines(line, *dl);
        e.line = line;
        e.end_line = add_lines(line, *dend);
        e.column = column_from(*col);
        e.end_column = column_from(*end_col);
      }
    } else if (code == kNoColumns) {
      auto dl = c.svarint();
      ok = dl.has_value();
      if (ok) {
        line = add_lines(line, *dl);
        e.line = e.end_line = line;
      }
    } else if (code >= kOneLine0) {
      auto col = c.next();
      auto end_col = c.next();
      ok = col && end_col;
      if (ok) {
        line = add_lines(line, code - kOneLine0);
        e.line = e.end_line = line;
        e.column = *col;
        e.end_column = *end_col;
      }
    } else {  // short forms 0-9: same line, column = code*8 + high 3 bits of the next byte
      auto second = c.next();
      ok = second.has_value();
      if (ok) {
        e.line = e.end_line = line;
        int col = (code << 3) | ((*second >> 4) & 7);
        e.column = col;
        e.end_column = col + (*second & 15);
      }
    }
    if (!ok) break;
    addr = e.end;
    out.push_back(e);
  }
  return out;
}

std::vector<LineEntry> decode_line_table(layout::LineTable format, std::span<const uint8_t> table,
                                         int firstlineno) {
  switch (format) {
    case layout::LineTable::kLnotab:
      return decode_lnotab(table, firstlineno);
    case layout::LineTable::kLinetable310:
      return decode_linetable310(table, firstlineno);
    case layout::LineTable::kLocations:
      return decode_locations(table, firstlineno);
  }
  return {};
}

std::optional<LineEntry> location_at(layout::LineTable format, std::span<const uint8_t> table,
                                     int firstlineno, int64_t byte_offset) {
  if (byte_offset < 0) {
    // Not started yet (f_lasti == -1 / prev_instr before the first instruction).
    return LineEntry{byte_offset, 0, firstlineno, firstlineno, std::nullopt, std::nullopt};
  }
  for (const LineEntry& e : decode_line_table(format, table, firstlineno))
    if (e.start <= byte_offset && byte_offset < e.end) return e;
  return std::nullopt;
}

std::optional<int> line_at(layout::LineTable format, std::span<const uint8_t> table,
                           int firstlineno, int64_t byte_offset) {
  auto e = location_at(format, table, firstlineno, byte_offset);
  if (!e) return std::nullopt;
  return e->line;
}

}  // namespace pycore::python
