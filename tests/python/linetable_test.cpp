// Line-table decoders against the locations each installed CPython derives from its own
// tables (tests/python/dump_linetables.py).
#include "pycore/python/linetable.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "interpreters.hpp"

using pycore::layout::LineTable;
using namespace pycore::python;

namespace {

LineTable format_for(int minor) {
  if (minor <= 9) return LineTable::kLnotab;
  if (minor == 10) return LineTable::kLinetable310;
  return LineTable::kLocations;
}

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::optional<int> opt_int(const nlohmann::json& j) {
  if (j.is_null()) return std::nullopt;
  return j.get<int>();
}

const LineEntry* find_entry(const std::vector<LineEntry>& entries, int64_t offset) {
  auto it = std::upper_bound(entries.begin(), entries.end(), offset,
                             [](int64_t off, const LineEntry& e) { return off < e.end; });
  if (it == entries.end() || it->start > offset) return nullptr;
  return &*it;
}

}  // namespace

TEST_CASE("line tables decode like CPython on every installed interpreter", "[linetable]") {
  auto interpreters = pycore::test::find_interpreters();
  REQUIRE(!interpreters.empty());
  for (const auto& interp : interpreters) {
    std::string output =
        pycore::test::run_command(interp.path + " " PYCORE_DUMP_LINETABLES " 2>/dev/null");
    if (output.empty()) {
      WARN("no output from " << interp.path);
      continue;
    }
    std::istringstream lines(output);
    std::string line;
    std::getline(lines, line);
    auto header = nlohmann::json::parse(line);
    int major = header["version"][0], minor = header["version"][1];
    if (major != 3 || minor < 6) continue;  // 2.7 is out of scope
    LineTable format = format_for(minor);
    size_t codes = 0, checks = 0, mismatches = 0;
    std::string first_mismatch;
    while (std::getline(lines, line)) {
      auto j = nlohmann::json::parse(line);
      auto table = from_hex(j["table"]);
      int first = j["first"];
      auto entries = decode_line_table(format, table, first);
      ++codes;
      size_t row_index = 0;
      for (const auto& row : j["expect"]) {
        int64_t offset = row[0];
        std::optional<LineEntry> got;
        // Exercise the public lookup on a sample, the sorted entries for the rest.
        if (row_index++ % 16 == 0) {
          got = location_at(format, table, first, offset);
        } else if (const LineEntry* e = find_entry(entries, offset)) {
          got = *e;
        }
        bool ok = got && got->line == opt_int(row[1]);
        if (ok && format == LineTable::kLocations) {
          ok = got->end_line == opt_int(row[2]) && got->column == opt_int(row[3]) &&
               got->end_column == opt_int(row[4]);
        }
        ++checks;
        if (!ok) {
          if (mismatches++ == 0)
            first_mismatch =
                std::string(j["name"]) + " @" + std::to_string(offset) + " expected " + row.dump();
        }
      }
    }
    INFO(interp.label << ": " << codes << " code objects, " << checks
                      << " offsets; first mismatch: " << first_mismatch);
    CHECK(codes > 500);
    CHECK(mismatches == 0);
    WARN(interp.label << ": " << codes << " code objects, " << checks << " offsets, " << mismatches
                      << " mismatches");
  }
}

TEST_CASE("line tables: edge cases", "[linetable]") {
  SECTION("not started: negative offset gives co_firstlineno") {
    CHECK(line_at(LineTable::kLnotab, {}, 7, -1) == 7);
    CHECK(line_at(LineTable::kLocations, {}, 7, -2) == 7);
  }
  SECTION("lnotab: split deltas and negative line deltas") {
    const uint8_t t[] = {0, 1, 255, 0, 45, 2, 4, 0xFF};  // (0,+1) (255,0) (45,+2) (4,-1)
    CHECK(line_at(LineTable::kLnotab, t, 10, 0) == 11);
    CHECK(line_at(LineTable::kLnotab, t, 10, 299) == 11);
    CHECK(line_at(LineTable::kLnotab, t, 10, 300) == 13);
    CHECK(line_at(LineTable::kLnotab, t, 10, 304) == 12);
  }
  SECTION("3.10: -128 means no line, zero-width ranges are skipped") {
    const uint8_t t[] = {0, 1, 4, 0, 2, 0x80, 2, 1};
    CHECK(line_at(LineTable::kLinetable310, t, 5, 0) == 6);
    CHECK(!line_at(LineTable::kLinetable310, t, 5, 4).has_value());
    CHECK(line_at(LineTable::kLinetable310, t, 5, 6) == 7);
    CHECK(!location_at(LineTable::kLinetable310, t, 5, 8).has_value());  // past the end
  }
  SECTION("locations: truncated entries stop the decoder") {
    const uint8_t t[] = {0x80 | (14 << 3), 0x03};  // long form, svarint only
    CHECK(decode_locations(t, 1).empty());
  }
}
