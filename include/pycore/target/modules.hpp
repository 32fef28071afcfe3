// The ELF modules (executable, shared libraries) mapped into the crashed process, found
// through elfutils libdwfl, with their files on disk, build-ids, symbols and debug info.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pycore/error.hpp"
#include "pycore/target/core_file.hpp"

namespace pycore::target {

struct ModuleOptions {
  std::string executable;               // empty: found from the core (AT_EXECFN / NT_FILE)
  std::string sysroot;                  // prefix for every path named in the core (gdb's sysroot)
  std::vector<std::string> debug_dirs;  // replaces the default /usr/lib/debug when non-empty
  std::string cache_dir;                // symbol-table cache: "" default_cache_dir(), "-" none
};

enum class BuildIdStatus {
  kMatch,        // the file on disk has the build-id recorded in the core
  kMismatch,     // a different file: its bytes are not trusted
  kFileMissing,  // no file found on disk
  kUnknown,      // the core or the file carries no build-id
};

struct Module {
  std::string name;        // path as the process saw it (NT_FILE / link_map)
  std::string file;        // file used on disk (after sysroot), empty when missing
  std::string debug_file;  // separate debug info, empty when none
  uint64_t low = 0;        // load range [low, high)
  uint64_t high = 0;
  uint64_t bias = 0;          // runtime address = ELF address + bias (0 when no ELF found)
  std::string build_id;       // hex, as recorded in the core's memory (or the file's)
  std::string disk_build_id;  // hex build-id of `file`, empty when unknown
  BuildIdStatus status = BuildIdStatus::kUnknown;
  bool has_symtab = false;  // a full .symtab (local symbols) is available
  bool has_dwarf = false;
  bool is_main = false;  // the executable
};

struct Symbol {
  std::string name;      // demangled
  uint64_t address = 0;  // runtime start address of the symbol
  uint64_t offset = 0;   // queried address - address
  uint64_t size = 0;
  int module = -1;   // index into Modules::list()
  bool tls = false;  // thread-local: `address` is the offset in the module's TLS block
};

// $XDG_CACHE_HOME/pycore-analyze, else ~/.cache/pycore-analyze; empty when neither is set.
// Shared by the symbol cache here and the layout cache.
std::string default_cache_dir();

class Modules {
 public:
  static Result<Modules> load(const CoreFile& core, const ModuleOptions& options);
  ~Modules();
  Modules(Modules&&) noexcept;
  Modules& operator=(Modules&&) noexcept;

  const std::vector<Module>& list() const;
  const Module* main() const;
  const Module* containing(uint64_t address) const;
  int index_of(uint64_t address) const;  // -1 when no module covers it

  // address -> function + offset. Uses .symtab when there is one (the file's or its
  // separate debug file's), else .dynsym. Names are demangled, without symbol versions
  // ("memcpy", not "memcpy@@GLIBC_2.14"); compiler suffixes stay ("f.lto_priv.0", "f.cold").
  // Nothing from a module whose file is a build-id mismatch.
  std::optional<Symbol> symbolize(uint64_t address) const;
  // name -> runtime address; local (static) symbols included when .symtab is available.
  // A static renamed by LTO ("usedpools.lto_priv.0") is also found by its source name;
  // C++ names are looked up demangled ("ns::f(int)").
  // With `module` >= 0 only that module is searched, else all of them (main first).
  // Each module's symbol table is read on the first lookup that needs it, so lookups are
  // not thread-safe.
  std::optional<Symbol> find_symbol(std::string_view name, int module = -1) const;

  // The module's file mapped in memory when its bytes may stand in for memory the core did
  // not dump (BuildIdStatus kMatch or kUnknown); null otherwise. For AddressSpace.
  std::shared_ptr<const MappedFile> trusted_file(int module) const;

  // Problems met while loading (missing files, build-id mismatches): one line each.
  const std::vector<std::string>& warnings() const;

  struct Impl;
  Impl& impl() const { return *impl_; }  // for the unwinder, which shares the Dwfl session

 private:
  explicit Modules(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The executable as the core names it: the NT_FILE mapping holding AT_PHDR (else AT_ENTRY),
// else AT_EXECFN, with `sysroot` prefixed; the first of those that exists on disk. Empty
// when none does.
std::string find_executable(const CoreFile& core, const std::string& sysroot = {});

}  // namespace pycore::target
