// DWARF of every installed interpreter against the built-in table of its minor and ABI.
// No core needed: the DWARF reader works on the ELF files directly.
#include <catch2/catch.hpp>
#include <cstdio>

#include "compare.hpp"
#include "interpreters.hpp"
#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;
using namespace pycore::layout::testing;

TEST_CASE("DWARF of every installed interpreter agrees with its built-in table", "[dwarf]") {
  std::vector<Interpreter> interpreters = find_interpreters();
  REQUIRE_FALSE(interpreters.empty());  // a machine without any CPython cannot check this
  size_t checked = 0;
  for (const Interpreter& interp : interpreters) {
    INFO(interp.name << " (" << interp.dwarf_file << ")");
    std::optional<BuiltinTable> table = find_builtin_table(3, interp.minor, interp.abi);
    if (!table) {
      WARN("skipped " << interp.name << ": no built-in table 3." << interp.minor << "."
                      << interp.abi);
      continue;
    }
    if (interp.dwarf_file.empty()) {
      WARN("skipped " << interp.name << ": no DWARF found");
      continue;
    }
    DwarfOptions options;
    options.expected = &table->fields;
    Result<DwarfLayout> dwarf = read_dwarf_layout(interp.dwarf_file, options);
    REQUIRE(dwarf.ok());
    std::vector<std::string> diff = compare_fields(dwarf->fields, "DWARF", table->fields, "table");
    for (const std::string& d : diff) UNSCOPED_INFO(interp.name << ": " << d);
    CHECK(diff.empty());
    CHECK_FALSE(dwarf->full_scan);  // the unit hints found every expected type
    std::printf("timing: %-24s DWARF %6.1f ms (%zu of %zu units), %zu fields\n",
                interp.name.c_str(), dwarf->milliseconds, dwarf->units_parsed, dwarf->units_total,
                dwarf->present());
    ++checked;
  }
  CHECK(checked > 0);
}

TEST_CASE("DWARF without a table to guide it finds the same layout", "[dwarf]") {
  // One old and one new interpreter: the full scan is slow, so not all of them.
  for (const Interpreter& interp : find_interpreters()) {
    if (interp.dwarf_file.empty() || (interp.minor != 6 && interp.minor != 13) ||
        interp.abi != "release" || interp.name.rfind("pyenv", 0) != 0)
      continue;
    INFO(interp.name);
    std::optional<BuiltinTable> table = find_builtin_table(3, interp.minor, interp.abi);
    REQUIRE(table);
    Result<DwarfLayout> dwarf = read_dwarf_layout(interp.dwarf_file, {});
    REQUIRE(dwarf.ok());
    std::vector<std::string> diff = compare_fields(dwarf->fields, "DWARF", table->fields, "table");
    for (const std::string& d : diff) UNSCOPED_INFO(d);
    CHECK(diff.empty());
    std::printf("timing: %-24s DWARF unguided %6.1f ms (%zu of %zu units%s)\n", interp.name.c_str(),
                dwarf->milliseconds, dwarf->units_parsed, dwarf->units_total,
                dwarf->full_scan ? ", full scan" : "");
  }
}

TEST_CASE("a file without DWARF is reported, not guessed", "[dwarf]") {
  Result<DwarfLayout> none = read_dwarf_layout("/bin/true");
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().message.find("/bin/true") != std::string::npos);
  Result<DwarfLayout> missing = read_dwarf_layout("/nonexistent/libpython3.11.so");
  REQUIRE_FALSE(missing.ok());
}
