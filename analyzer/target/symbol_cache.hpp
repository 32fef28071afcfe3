// On-disk cache of a module's sorted symbol table, keyed by build-id. Reading libpython's
// ~40k symbols through libdwfl and sorting them is about half of a stack report's time;
// a cached table is one mmap. The file also holds the table sorted by name, so that the
// layout's few dozen look-ups by name need no index built over every symbol.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "modules_impl.hpp"

namespace pycore::target::detail {

struct SymbolCacheKey {
  std::string dir;       // empty: no cache
  std::string build_id;  // hex
  int count = 0;         // symbols libdwfl reports: tells .symtab from .dynsym
  uint64_t bias = 0;     // entries are stored relative to it
};

// nullptr when absent or when the file is not exactly what we write (it is then ignored).
std::unique_ptr<SymbolTable> load_cached_symbols(const SymbolCacheKey& key);
// Best effort, atomic (temporary file + rename); failures are ignored.
void store_cached_symbols(const SymbolCacheKey& key, const SymbolTable& table);

}  // namespace pycore::target::detail
