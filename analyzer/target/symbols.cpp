// Address -> symbol and name -> symbol, from each module's symbol table as libdwfl reads
// it (.symtab of the file or of its separate debug file, else .dynsym).
#include <cxxabi.h>
#include <elf.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "modules_impl.hpp"
#include "symbol_cache.hpp"

namespace pycore::target {

void NameIndex::reserve(size_t n) {
  size_t size = 16;
  while (size < 2 * n) size *= 2;
  if (size > slots_.size()) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(size, Slot{});
    used_ = 0;
    for (const Slot& s : old)
      if (s.entry) insert(s.key, s.entry);
  }
}

void NameIndex::grow() {
  reserve(slots_.empty() ? 8 : slots_.size());
}

void NameIndex::insert(std::string_view key, const SymbolEntry* entry) {
  if (2 * (used_ + 1) > slots_.size()) grow();
  size_t mask = slots_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(key)&mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (!slot.entry) {
      slot = Slot{key, entry};
      ++used_;
      return;
    }
    if (slot.key == key) {
      // Several statics may share a name (one per source file): prefer an exported one.
      if (entry->preference > slot.entry->preference) slot.entry = entry;
      return;
    }
  }
}

const SymbolEntry* NameIndex::find(std::string_view key) const {
  if (slots_.empty()) return nullptr;
  size_t mask = slots_.size() - 1;
  for (size_t i = std::hash<std::string_view>{}(key)&mask;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (!slot.entry) return nullptr;
    if (slot.key == key) return slot.entry;
  }
}

namespace detail {
namespace {

// How to choose among symbols at one address (aliases): a sized one covers the address
// for sure; functions over data labels; exported names over local aliases.
uint8_t preference(const GElf_Sym& sym) {
  int binding = GELF_ST_BIND(sym.st_info);
  int type = GELF_ST_TYPE(sym.st_info);
  uint8_t p = binding == STB_GLOBAL ? 3 : binding == STB_WEAK ? 2 : 1;
  if (type == STT_FUNC || type == STT_GNU_IFUNC) p += 4;
  if (sym.st_size > 0) p += 8;
  return p;
}

bool is_mangled(std::string_view name) {
  return name.starts_with("_Z");
}

// libstdc++'s Itanium demangler, not LLVM's: the same names come out, and the analyzer
// binary stays free of libLLVM, whose loading alone (~40 ms) exceeds the report's budget.
std::string demangle(const std::string& name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> out(
      abi::__cxa_demangle(name.c_str(), nullptr, nullptr, &status), std::free);
  return status == 0 && out ? std::string(out.get()) : name;
}

// Nested symbols are rare; a sized symbol further back than this is not looked for.
constexpr int kMaxBacktrack = 32;

}  // namespace

std::string clean_symbol_name(const char* raw) {
  std::string name(raw);
  // "memcpy@@GLIBC_2.14": the symbol version is linker metadata, not part of the name.
  if (auto at = name.find('@'); at != std::string::npos && at > 0) name.resize(at);
  if (is_mangled(name)) return demangle(name);
  return name;
}

std::unique_ptr<SymbolTable> read_symbol_table(Dwfl_Module* mod) {
  auto table = std::make_unique<SymbolTable>();
  int count = dwfl_module_getsymtab(mod);
  if (count > 0) table->by_address.reserve(static_cast<size_t>(count));
  for (int i = 1; i < count; ++i) {
    GElf_Sym sym;
    GElf_Addr address = 0;
    GElf_Word shndx = 0;
    const char* raw = dwfl_module_getsym_info(mod, i, &sym, &address, &shndx, nullptr, nullptr);
    if (raw == nullptr || raw[0] == '\0' || shndx == SHN_UNDEF) continue;
    int type = GELF_ST_TYPE(sym.st_info);
    if (type != STT_OBJECT && type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_TLS &&
        type != STT_NOTYPE) {
      continue;  // sections, files
    }
    SymbolTable::Entry entry{address, sym.st_size, raw, preference(sym), type == STT_TLS};
    if (entry.tls) {
      // libdwfl relocates every SHF_ALLOC symbol, .tbss included, but a TLS symbol's value
      // is an offset in the module's TLS block, not an address.
      entry.address = sym.st_value;
      table->tls.push_back(entry);
    } else if (entry.address != 0) {
      table->by_address.push_back(entry);
    }
  }
  std::sort(table->by_address.begin(), table->by_address.end(), [](const auto& a, const auto& b) {
    return a.address != b.address ? a.address < b.address : a.preference < b.preference;
  });
  return table;
}

const SymbolTable::Entry* symbol_at(const SymbolTable& table, uint64_t address) {
  const auto& entries = table.by_address;
  auto it = std::upper_bound(entries.begin(), entries.end(), address,
                             [](uint64_t a, const SymbolTable::Entry& e) { return a < e.address; });
  if (it == entries.begin()) return nullptr;
  // Walking back from the closest start, ties in preference order, the first symbol that
  // covers the address is the most specific one.
  auto closest = std::prev(it);
  for (int steps = 0; it != entries.begin() && steps < kMaxBacktrack; ++steps) {
    --it;
    if (it->size > 0 && address - it->address < it->size) return &*it;
  }
  // Nothing sized covers it: a sizeless label right before it (assembly) names it.
  return closest->size == 0 ? &*closest : nullptr;
}

namespace {

void keep_better(NameIndex& index, std::string_view key, const SymbolTable::Entry& entry) {
  index.insert(key, &entry);
}

template <class Fn>
void for_each_entry(const SymbolTable& table, Fn&& fn) {
  for (const auto& entry : table.by_address) fn(entry);
  for (const auto& entry : table.tls) fn(entry);
}

const SymbolTable::Entry* entry_at(const SymbolTable& table, uint64_t position) {
  if (position < table.by_address.size()) return &table.by_address[position];
  position -= table.by_address.size();
  return position < table.tls.size() ? &table.tls[position] : nullptr;
}

std::string_view lookup_key(const SymbolTable::Entry& entry, bool lto_base) {
  std::string_view key = symbol_key(entry.raw);
  return lto_base ? lto_base_of(key) : key;
}

// Binary search of a cached sorted index; nullopt when a position is out of bounds (a
// damaged cache file: the caller then builds the hash index from the table itself). A
// hit is always a real match, whatever the file says, as its key is compared here.
std::optional<const SymbolTable::Entry*> find_sorted(const SymbolTable& table,
                                                     const SortedNameIndex& index,
                                                     std::string_view name, bool lto_base) {
  size_t low = 0, high = index.count;
  while (low < high) {
    size_t mid = low + (high - low) / 2;
    uint32_t position;
    std::memcpy(&position, index.positions + mid * sizeof position, sizeof position);
    const SymbolTable::Entry* entry = entry_at(table, position);
    if (entry == nullptr) return std::nullopt;
    int order = lookup_key(*entry, lto_base).compare(name);
    if (order == 0) return entry;
    if (order < 0)
      low = mid + 1;
    else
      high = mid;
  }
  return nullptr;
}

void build_name_indexes(SymbolTable& table) {
  table.by_name.reserve(table.by_address.size() + table.tls.size());
  for_each_entry(table, [&](const SymbolTable::Entry& entry) {
    std::string_view key = symbol_key(entry.raw);
    keep_better(table.by_name, key, entry);
    if (std::string_view base = lto_base_of(key); !base.empty())
      keep_better(table.by_lto_base, base, entry);
  });
  table.name_index_built = true;
}

// By the cached sorted indexes while they hold up, else by the hash indexes.
const SymbolTable::Entry* find_by_name(SymbolTable& table, std::string_view name, bool lto_base) {
  auto& sorted = lto_base ? table.sorted_by_lto_base : table.sorted_by_name;
  if (sorted && !table.name_index_built) {
    if (auto found = find_sorted(table, *sorted, name, lto_base)) return *found;
    table.sorted_by_name.reset();
    table.sorted_by_lto_base.reset();
  }
  if (!table.name_index_built) build_name_indexes(table);
  return (lto_base ? table.by_lto_base : table.by_name).find(name);
}

}  // namespace

std::string_view symbol_key(const char* raw) {
  std::string_view key = raw;
  if (auto at = key.find('@'); at != std::string_view::npos && at > 0) key = key.substr(0, at);
  return key;
}

std::string_view lto_base_of(std::string_view key) {
  auto lto = key.find(".lto_priv.");
  return lto != std::string_view::npos && lto > 0 ? key.substr(0, lto) : std::string_view();
}

std::vector<uint32_t> sorted_name_positions(const SymbolTable& table, bool lto_base) {
  struct Keyed {
    std::string_view key;
    uint32_t position;
    uint8_t preference;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(lto_base ? 0 : table.by_address.size() + table.tls.size());
  uint32_t position = 0;
  for_each_entry(table, [&](const SymbolTable::Entry& entry) {
    std::string_view key = lookup_key(entry, lto_base);
    if (!key.empty()) keyed.push_back({key, position, entry.preference});
    ++position;
  });
  // Stable: among equal keys the first of the highest preference wins, as in NameIndex.
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const Keyed& a, const Keyed& b) { return a.key < b.key; });
  std::vector<uint32_t> out;
  for (size_t i = 0; i < keyed.size();) {
    size_t best = i, j = i + 1;
    for (; j < keyed.size() && keyed[j].key == keyed[i].key; ++j)
      if (keyed[j].preference > keyed[best].preference) best = j;
    out.push_back(keyed[best].position);
    i = j;
  }
  return out;
}

const SymbolTable::Entry* symbol_named(SymbolTable& table, std::string_view name) {
  if (const auto* e = find_by_name(table, name, false)) return e;
  if (const auto* e = find_by_name(table, name, true)) return e;
  bool looks_cpp =
      name.find("::") != std::string_view::npos || name.find('(') != std::string_view::npos;
  if (!looks_cpp) return nullptr;
  if (!table.demangled_index_built) {
    for_each_entry(table, [&](const SymbolTable::Entry& entry) {
      if (!is_mangled(entry.raw)) return;
      table.demangled.push_back(std::make_unique<std::string>(clean_symbol_name(entry.raw)));
      keep_better(table.by_demangled, *table.demangled.back(), entry);
    });
    table.demangled_index_built = true;
  }
  return table.by_demangled.find(name);
}

}  // namespace detail

namespace {

// Small tables are cheaper to read than to look up in the cache.
constexpr int kMinCachedSymbols = 2000;

SymbolTable* symbols_of(Modules::Impl& impl, size_t i) {
  if (impl.files[i]->status == BuildIdStatus::kMismatch) return nullptr;  // never trusted
  auto& table = impl.symbols[i];
  if (table) return table.get();
  const Module& m = impl.modules[i];
  detail::SymbolCacheKey key;
  int count = dwfl_module_getsymtab(impl.handles[i]);
  // Only a verified build-id names the same bytes next time.
  if (count >= kMinCachedSymbols && m.status == BuildIdStatus::kMatch)
    key = {impl.cache_dir, m.build_id, count, m.bias};
  table = detail::load_cached_symbols(key);
  if (!table) {
    table = detail::read_symbol_table(impl.handles[i]);
    detail::store_cached_symbols(key, *table);
  }
  return table.get();
}

}  // namespace

std::optional<Symbol> Modules::symbolize(uint64_t address) const {
  int i = index_of(address);
  if (i < 0) return std::nullopt;
  SymbolTable* table = symbols_of(*impl_, static_cast<size_t>(i));
  if (table == nullptr) return std::nullopt;
  const auto* entry = detail::symbol_at(*table, address);
  if (entry == nullptr) return std::nullopt;
  Symbol s;
  s.name = detail::clean_symbol_name(entry->raw);
  s.address = entry->address;
  s.offset = address - entry->address;
  s.size = entry->size;
  s.module = i;
  return s;
}

std::optional<Symbol> Modules::find_symbol(std::string_view name, int module) const {
  auto search = [&](size_t i) -> std::optional<Symbol> {
    SymbolTable* table = symbols_of(*impl_, i);
    const auto* entry = table ? detail::symbol_named(*table, name) : nullptr;
    if (entry == nullptr) return std::nullopt;
    Symbol s;
    s.name = detail::clean_symbol_name(entry->raw);
    s.address = entry->address;
    s.size = entry->size;
    s.module = static_cast<int>(i);
    s.tls = entry->tls;
    return s;
  };
  size_t n = impl_->modules.size();
  if (module >= 0) {
    if (static_cast<size_t>(module) >= n) return std::nullopt;
    return search(static_cast<size_t>(module));
  }
  for (size_t i = 0; i < n; ++i) {
    if (impl_->modules[i].is_main) {
      if (auto s = search(i)) return s;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (impl_->modules[i].is_main) continue;
    if (auto s = search(i)) return s;
  }
  return std::nullopt;
}

}  // namespace pycore::target
