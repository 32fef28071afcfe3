// The crashed process's memory: the core's segments plus the pages of mapped ELF files
// that the kernel did not dump (.text, .rodata). The only way the analyzer reads target
// memory; every read is bounds-checked and reports failure as a value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

namespace pycore::target {

enum class Origin : uint8_t { kCore, kFile };

enum class Fault : uint8_t {
  kNone,
  kUnmapped,   // no mapping covers the address
  kNotDumped,  // mapped, but its bytes are neither in the core nor in a trusted file
  kTruncated,  // the bytes would be in the core, but the core file was cut short
};

struct ReadResult {
  Fault fault = Fault::kNone;
  Origin origin = Origin::kCore;
  uint64_t failed_at = 0;  // first address that could not be read (when fault != kNone)
  explicit operator bool() const { return fault == Fault::kNone; }
};

// A contiguous run of readable memory, for whole-heap scans.
struct Region {
  uint64_t start = 0;
  uint64_t end = 0;
  Origin origin = Origin::kCore;
  bool writable = false;
  std::span<const std::byte> bytes;
};

class AddressSpace {
 public:
  // Core segments always; file-backed pages only from modules whose build-id matched
  // (or could not be checked) — a mismatched file's bytes are never used.
  static AddressSpace build(const CoreFile& core, const Modules& modules);
  AddressSpace() = default;

  // All-or-nothing read of `len` bytes into `out`.
  ReadResult read(uint64_t address, void* out, size_t len) const noexcept;

  // Zero-copy view when [address, address+len) lies in one region; empty span otherwise.
  std::span<const std::byte> view(uint64_t address, size_t len) const noexcept;

  template <class T>
  std::optional<T> read_as(uint64_t address) const noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    if (!read(address, &value, sizeof value)) return std::nullopt;
    return value;
  }
  std::optional<uint64_t> u64(uint64_t a) const noexcept { return read_as<uint64_t>(a); }
  std::optional<int64_t> i64(uint64_t a) const noexcept { return read_as<int64_t>(a); }
  std::optional<uint32_t> u32(uint64_t a) const noexcept { return read_as<uint32_t>(a); }
  std::optional<int32_t> i32(uint64_t a) const noexcept { return read_as<int32_t>(a); }
  std::optional<uint16_t> u16(uint64_t a) const noexcept { return read_as<uint16_t>(a); }
  std::optional<uint8_t> u8(uint64_t a) const noexcept { return read_as<uint8_t>(a); }

  // A NUL-terminated string of at most max_len bytes; nullopt when unreadable or when no
  // NUL appears within max_len.
  std::optional<std::string> cstring(uint64_t address, size_t max_len = 4096) const;

  bool readable(uint64_t address, size_t len = 1) const noexcept;
  const std::vector<Region>& regions() const { return regions_; }

 private:
  std::vector<Region> regions_;                           // sorted by start, non-overlapping
  std::vector<std::shared_ptr<const MappedFile>> files_;  // keeps the regions' bytes alive
  // Address ranges the process had mapped but whose bytes we do not have, to tell
  // kNotDumped and kTruncated from kUnmapped.
  struct Hole {
    uint64_t start, end;
    Fault fault;
  };
  std::vector<Hole> holes_;
  const Region* find(uint64_t address) const noexcept;
};

}  // namespace pycore::target
