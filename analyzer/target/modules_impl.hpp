// The libdwfl session behind Modules, shared with the unwinder (not a public API).
#pragma once

#include <elfutils/libdwfl.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pycore/target/modules.hpp"

namespace pycore::target {

// One module's file on disk and what we know of it. The libdwfl callbacks reach it through
// the module's userdata pointer.
struct ModuleFile {
  std::string core_build_id;  // hex, from the core's memory; empty when not dumped
  std::string path;           // the file on disk for this module (sysroot applied)
  bool exists = false;
  bool is_elf = false;
  std::string disk_build_id;
  BuildIdStatus status = BuildIdStatus::kUnknown;
  std::shared_ptr<const MappedFile> bytes;               // set only when the file may be trusted
  const std::vector<std::string>* debug_dirs = nullptr;  // global debug directories
};

// One module's symbol table, read once from libdwfl and kept sorted: libdwfl's own
// address lookup scans the whole table on every call (0.2 ms for python3.11's 41k symbols).
struct SymbolEntry {
  uint64_t address = 0;  // runtime address, or the TLS-block offset when `tls`
  uint64_t size = 0;
  const char* raw = nullptr;  // as in the ELF string table, owned by the Dwfl session
  uint8_t preference = 0;     // among symbols at one address: higher is the better name
  bool tls = false;
};

// Name -> symbol, open addressing in one array: libpython has ~40k symbols, and a
// node-based map spends more time in malloc than in hashing.
class NameIndex {
 public:
  void reserve(size_t n);
  // Keeps the entry with the higher preference when a name is seen twice (statics of
  // several source files share names).
  void insert(std::string_view key, const SymbolEntry* entry);
  const SymbolEntry* find(std::string_view key) const;

 private:
  struct Slot {
    std::string_view key;
    const SymbolEntry* entry = nullptr;
  };
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  size_t used_ = 0;
  void grow();
};

// Entries sorted by a lookup key, one per key (the preferred one), as positions in
// by_address followed by tls. Stored in the symbol cache so that a warm run searches it
// instead of hashing all ~40k names for a few dozen lookups. Points into the cache
// mapping; every position is bounds-checked when used.
struct SortedNameIndex {
  const std::byte* positions = nullptr;  // uint32_t each, possibly unaligned
  size_t count = 0;
};

struct SymbolTable {
  using Entry = SymbolEntry;
  std::vector<Entry> by_address;  // sorted by (address, preference)
  std::vector<Entry> tls;         // thread-local symbols: offsets, not addresses
  // Built on the first lookup by name: name (without symbol version) -> entry; and the
  // name before GCC's ".lto_priv.N" (LTO renames statics: 3.11's usedpools is
  // usedpools.lto_priv.0). Not built when the cache supplied the sorted forms.
  NameIndex by_name;
  NameIndex by_lto_base;
  std::optional<SortedNameIndex> sorted_by_name;
  std::optional<SortedNameIndex> sorted_by_lto_base;
  // Demangling every C++ name is slow, and CPython's names are C: built only on the first
  // lookup of a name that looks like C++.
  NameIndex by_demangled;
  std::vector<std::unique_ptr<std::string>> demangled;  // storage for by_demangled's keys
  bool demangled_index_built = false;
  bool name_index_built = false;
  // When loaded from the symbol cache, the names live in this mapping.
  std::shared_ptr<const MappedFile> backing;
};

struct Modules::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();

  std::shared_ptr<const MappedFile> core_bytes;  // outlives core_elf, which points into it
  Elf* core_elf = nullptr;
  Dwfl* dwfl = nullptr;
  std::vector<std::string> debug_dirs;
  std::string cache_dir;  // symbol cache; empty: none
  std::string debuginfo_path;
  char* debuginfo_path_ptr = nullptr;  // libdwfl reads the path through a char**
  Dwfl_Callbacks callbacks{};

  std::vector<Module> modules;  // sorted by low
  std::vector<Dwfl_Module*> handles;
  std::vector<std::unique_ptr<ModuleFile>> files;
  std::vector<std::string> warnings;

  // Read on the first symbol lookup in each module.
  std::vector<std::unique_ptr<SymbolTable>> symbols;

  // dwfl_core_file_attach may be called once per session.
  bool attach_tried = false;
  std::string attach_error;  // empty when attached
};

namespace detail {

// libdwfl callbacks: files by the paths the core names (sysroot applied) and by build-id
// in the debug directories; never the debuginfod client (network, stderr output, and
// 10 ms to load libcurl for a lookup that finds nothing offline).
int find_elf(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
             Elf** elfp);
int find_debuginfo(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base,
                   const char* file_name, const char* debuglink_file, GElf_Word debuglink_crc,
                   char** debuginfo_file_name);

// The last libdwfl / libelf error as text (their errmsg functions may return null).
std::string dwfl_error();
std::string elf_error();

// Module files.
std::string with_sysroot(const std::string& sysroot, const std::string& path);
std::string without_deleted_suffix(const std::string& path);
// Opens `path` and compares its build-id with file.core_build_id: fills path, exists,
// is_elf, disk_build_id, status, and bytes when the file may be trusted.
void examine_file(ModuleFile& file, const std::string& path);
// The file exists and starts with the ELF magic.
bool looks_like_elf(const std::string& path);
// The warning a module's final file state deserves, if any.
std::optional<std::string> file_warning(const ModuleFile& file);

// Symbols.
std::string clean_symbol_name(const char* raw);
std::unique_ptr<SymbolTable> read_symbol_table(Dwfl_Module* mod);
const SymbolTable::Entry* symbol_at(const SymbolTable& table, uint64_t address);
const SymbolTable::Entry* symbol_named(SymbolTable& table, std::string_view name);
// The name a symbol is looked up by: without its symbol version ("memcpy@@GLIBC_2.14").
std::string_view symbol_key(const char* raw);
// The name before GCC's ".lto_priv.N", or empty when `key` has none.
std::string_view lto_base_of(std::string_view key);
// Positions (by_address then tls) sorted by key, one per key: the entry a NameIndex built
// from the same table would return for it.
std::vector<uint32_t> sorted_name_positions(const SymbolTable& table, bool lto_base);

}  // namespace detail
}  // namespace pycore::target
