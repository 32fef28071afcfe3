#include "symbol_cache.hpp"

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>
#include <vector>

namespace pycore::target {

std::string default_cache_dir() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/pycore-analyze";
  if (const char* home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/pycore-analyze";
  return {};
}

namespace detail {
namespace {

// File: Header, Records (by_address then tls), the by-name and by-LTO-base sorted
// positions (uint32 each), then the names blob.
constexpr char kMagic[16] = "pycore-symtab-2";

struct Header {
  char magic[16];
  uint64_t by_address;
  uint64_t tls;
  uint64_t by_name;
  uint64_t by_lto_base;
  uint64_t names_bytes;
};

struct Record {
  uint64_t value;  // address - bias (modulo 2^64), or the TLS offset
  uint64_t size;
  uint32_t name;  // offset in the names blob
  uint8_t preference;
  uint8_t tls;
  uint8_t pad[2];
};
static_assert(sizeof(Record) == 24);

bool usable(const SymbolCacheKey& key) {
  if (key.dir.empty() || key.build_id.size() < 16 || key.build_id.size() > 80) return false;
  return key.build_id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

std::string path_of(const SymbolCacheKey& key) {
  // The format version is in the name too: binaries of different versions sharing one
  // cache directory would otherwise keep replacing each other's files.
  return key.dir + "/" + key.build_id + "." + std::to_string(key.count) + ".v2.symtab";
}

}  // namespace

std::unique_ptr<SymbolTable> load_cached_symbols(const SymbolCacheKey& key) {
  if (!usable(key)) return nullptr;
  auto file = MappedFile::open(path_of(key));
  if (!file) return nullptr;
  auto bytes = (*file)->bytes();
  Header h;
  if (bytes.size() < sizeof h) return nullptr;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return nullptr;
  // Every size is checked against the file before anything is trusted.
  uint64_t records = h.by_address + h.tls;
  if (h.by_address > bytes.size() || h.tls > bytes.size() ||
      records > (bytes.size() - sizeof h) / sizeof(Record))
    return nullptr;
  uint64_t positions_at = sizeof h + records * sizeof(Record);
  if (h.by_name > records || h.by_lto_base > records ||
      (h.by_name + h.by_lto_base) * sizeof(uint32_t) > bytes.size() - positions_at)
    return nullptr;
  uint64_t names_at = positions_at + (h.by_name + h.by_lto_base) * sizeof(uint32_t);
  if (h.names_bytes == 0 || names_at + h.names_bytes != bytes.size()) return nullptr;
  const char* names = reinterpret_cast<const char*>(bytes.data() + names_at);
  if (names[h.names_bytes - 1] != '\0') return nullptr;  // every name ends inside the blob

  auto table = std::make_unique<SymbolTable>();
  table->by_address.reserve(h.by_address);
  table->tls.reserve(h.tls);
  uint64_t previous = 0;
  for (uint64_t i = 0; i < records; ++i) {
    Record r;
    std::memcpy(&r, bytes.data() + sizeof h + i * sizeof r, sizeof r);
    if (r.name >= h.names_bytes) return nullptr;
    SymbolEntry e{r.value, r.size, names + r.name, r.preference, r.tls != 0};
    if (i < h.by_address) {
      e.address = r.value + key.bias;                     // wraps back for symbols below the bias
      if (e.tls || e.address < previous) return nullptr;  // must be as written: sorted
      previous = e.address;
      table->by_address.push_back(e);
    } else {
      if (!e.tls) return nullptr;
      table->tls.push_back(e);
    }
  }
  // The positions are checked when a look-up reaches them (symbols.cpp): a warm report
  // does a few dozen look-ups, far fewer than the ~40k positions.
  table->sorted_by_name = SortedNameIndex{bytes.data() + positions_at, h.by_name};
  table->sorted_by_lto_base =
      SortedNameIndex{bytes.data() + positions_at + h.by_name * sizeof(uint32_t), h.by_lto_base};
  table->backing = std::move(file.value());
  return table;
}

void store_cached_symbols(const SymbolCacheKey& key, const SymbolTable& table) {
  if (!usable(key)) return;
  std::error_code ec;
  std::filesystem::create_directories(key.dir, ec);
  std::string names;
  std::vector<Record> records;
  records.reserve(table.by_address.size() + table.tls.size());
  auto add = [&](const SymbolEntry& e, uint64_t value) {
    Record r{};
    r.value = value;
    r.size = e.size;
    r.name = static_cast<uint32_t>(names.size());
    r.preference = e.preference;
    r.tls = e.tls;
    names.append(e.raw);
    names.push_back('\0');
    records.push_back(r);
  };
  for (const auto& e : table.by_address) {
    // A symbol of a section that is not loaded (glibc's __evoke_link_warning_getwd in
    // .gnu.warning) may lie below the bias: the unsigned difference wraps, and adding the
    // bias on load restores it exactly. Refusing it left libc's table uncached.
    add(e, e.address - key.bias);
  }
  for (const auto& e : table.tls) add(e, e.address);
  if (names.size() > UINT32_MAX || records.size() > UINT32_MAX) return;
  std::vector<uint32_t> by_name = sorted_name_positions(table, false);
  std::vector<uint32_t> by_lto_base = sorted_name_positions(table, true);
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.by_address = table.by_address.size();
  h.tls = table.tls.size();
  h.by_name = by_name.size();
  h.by_lto_base = by_lto_base.size();
  h.names_bytes = names.size();
  std::string path = path_of(key);
  // --batch analyses cores on several threads: the temporary name is per thread.
  std::string tmp = path + ".tmp" + std::to_string(getpid()) + "." +
                    std::to_string(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char*>(&h), sizeof h);
    out.write(reinterpret_cast<const char*>(records.data()),
              static_cast<std::streamsize>(records.size() * sizeof(Record)));
    for (const auto* positions : {&by_name, &by_lto_base})
      out.write(reinterpret_cast<const char*>(positions->data()),
                static_cast<std::streamsize>(positions->size() * sizeof(uint32_t)));
    out.write(names.data(), static_cast<std::streamsize>(names.size()));
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

}  // namespace detail
}  // namespace pycore::target
