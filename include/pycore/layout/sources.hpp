// The individual layout sources behind resolve_layout(), exposed for tests, tools and the
// CLI's diagnostics. Most callers want resolve_layout() in layout.hpp instead.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pycore/error.hpp"
#include "pycore/layout/layout.hpp"

namespace pycore::layout {

using FieldArray = std::array<FieldLoc, kFieldCount>;

// A fingerprint of fields.def (ids, types, paths); cached layouts carry it so that a
// changed field list invalidates them.
uint64_t fields_fingerprint();

// ---- built-in tables (layouts/<minor>.<abi>.txt, embedded at build time)

struct BuiltinTable {
  std::string name;  // "3.11.release"
  int major = 0, minor = 0;
  std::string abi;      // "release", "debug", "debug-trace-refs", "ft-release", ...
  std::string version;  // exact version whose headers produced it, "3.11.7"
  uint32_t hexversion = 0;
  std::vector<std::pair<std::string, int64_t>> constants;  // POOL_SIZE, ...
  FieldArray fields{};  // every present field with Source::kBuiltin

  std::optional<int64_t> constant(std::string_view name) const;
};

// Parses one table; fails on unknown field ids, malformed lines, or a field listed twice
// or not at all.
Result<BuiltinTable> parse_builtin_table(std::string_view name, std::string_view text);
// "3.6.release", ... every embedded table.
std::vector<std::string> builtin_table_names();
// The table for a minor version and ABI name, parsed on demand; nullopt when none.
std::optional<BuiltinTable> find_builtin_table(int major, int minor, std::string_view abi);
// The ABI part of a table name for a build: "release", "debug", "ft-release", ...
std::string abi_name(const PythonBuild& build);

// ---- DWARF of the python module (LLVM)

struct DwarfLayout {
  FieldArray fields{};             // present fields carry Source::kDwarf
  std::bitset<kFieldCount> known;  // the field's type was found: present or truly absent
  std::string file;                // the ELF file whose DWARF was read
  size_t units_total = 0;          // compile units in the file
  size_t units_parsed = 0;         // compile units whose DIEs were read
  bool full_scan = false;          // fell back to reading every unit
  bool from_cache = false;
  double milliseconds = 0;
  size_t present() const;
};

struct DwarfOptions {
  // Fields expected to exist (e.g. from the built-in table of the same minor): a type
  // none of whose expected fields is present is not searched for beyond the usual units.
  // Null: every missing type triggers a full scan.
  const FieldArray* expected = nullptr;
  bool allow_full_scan = true;
};

// Reads struct layouts from `path`'s DWARF (the module itself or its separate debug file).
// Fails when the file cannot be opened or has no .debug_info.
Result<DwarfLayout> read_dwarf_layout(const std::string& path, const DwarfOptions& options = {});

// ---- on-disk cache of DWARF results, keyed by build-id

// nullopt when missing, unreadable, corrupt, for another build-id or another fields.def.
std::optional<DwarfLayout> load_cached_layout(const std::string& dir, std::string_view build_id);
// Writes atomically (temporary file + rename); false on any failure (the cache is optional).
bool store_cached_layout(const std::string& dir, std::string_view build_id,
                         const DwarfLayout& layout);

// ---- _Py_DebugOffsets (3.13+), the block at the start of _PyRuntime

struct DebugOffsets {
  uint64_t version = 0;  // PY_VERSION_HEX of the build
  bool free_threaded = false;
  uint64_t runtime_size = 0;
  std::vector<std::pair<F, FieldLoc>> fields;  // Source::kDebugOffsets
};

// Size of the block for a minor version (0 when there is no known block layout).
size_t debug_offsets_block_size(int minor);
// Only the cookie and version, to identify the build before the block size is known.
struct DebugOffsetsHeader {
  uint64_t version = 0;
  uint64_t free_threaded = 0;
};
std::optional<DebugOffsetsHeader> parse_debug_offsets_header(std::span<const std::byte> bytes);
// Validates and decodes a whole block (see docs in debug_offsets.cpp). `runtime_symbol_size`
// is the size of the _PyRuntime symbol (0 when unknown) and must equal runtime_state.size.
Result<DebugOffsets> parse_debug_offsets(std::span<const std::byte> block,
                                         uint64_t runtime_symbol_size = 0);

// ---- build identification and well-known addresses

// Which module holds the runtime and which CPython it is. Appends to `notes` how it was
// decided. Errors: kNoPython, kUnsupportedPython (2.x, unknown minor).
Result<PythonBuild> identify_build(const target::AddressSpace& memory,
                                   const target::Modules& modules, std::vector<std::string>& notes);

// Finds a version string "3.N.M... (" as written by Py_GetVersion() into `bytes`.
std::optional<std::string> find_version_string(std::span<const std::byte> bytes);

Roots find_roots(const target::AddressSpace& memory, const target::Modules& modules,
                 const PythonBuild& build);

}  // namespace pycore::layout
