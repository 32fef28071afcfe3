// Bounded reads of the target for whole-heap walks.
//
// The heap stage reads millions of small fields; going through AddressSpace::read for each
// costs a region search per read. Memory keeps the last region it used (objects of one
// arena sit together) and the last one of each 1 MiB granule, and hands out zero-copy
// pointers into the core's mapping. Reads that fall outside the regions, or straddle two of
// them, fall back to AddressSpace::read, so Memory never reads more than the AddressSpace
// could.
//
// A Memory is cheap to copy (about 1.5 KiB) and its cache is not shared: give each thread
// its own copy.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

#include "pycore/target/address_space.hpp"

namespace pycore::heap {

// The value of type T stored at p (any alignment), for the pointers Memory::at hands out.
template <class T>
T load(const std::byte* p) noexcept {
  static_assert(std::is_trivially_copyable_v<T>);
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

class Memory {
 public:
  explicit Memory(const target::AddressSpace& space) : regions_(space.regions()), space_(&space) {}
  // Regions only (sorted by start, non-overlapping); used by tests with synthetic memory.
  explicit Memory(std::span<const target::Region> regions) : regions_(regions) {}

  // Pointer to `len` contiguous bytes, or nullptr when they are not all in one region.
  const std::byte* at(uint64_t address, size_t len) const noexcept {
    if (last_.holds(address, len)) return last_.data + (address - last_.start);
    // A walk hops between a few dozen regions (arenas mapped apart): the region last used
    // in each 1 MiB granule spares most of the searches.
    const Cached& c = recent_[(address >> kGranuleBits) & (kRecent - 1)];
    if (c.holds(address, len)) {
      last_ = c;
      return c.data + (address - c.start);
    }
    return locate(address, len);
  }

  // All-or-nothing copy.
  bool read(uint64_t address, void* out, size_t len) const noexcept {
    if (const std::byte* p = at(address, len)) {
      std::memcpy(out, p, len);
      return true;
    }
    return space_ != nullptr && static_cast<bool>(space_->read(address, out, len));
  }

  template <class T>
  std::optional<T> get(uint64_t address) const noexcept {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    if (!read(address, &value, sizeof value)) return std::nullopt;
    return value;
  }
  std::optional<uint64_t> u64(uint64_t a) const noexcept { return get<uint64_t>(a); }
  std::optional<int64_t> i64(uint64_t a) const noexcept { return get<int64_t>(a); }
  std::optional<uint32_t> u32(uint64_t a) const noexcept { return get<uint32_t>(a); }
  std::optional<int32_t> i32(uint64_t a) const noexcept { return get<int32_t>(a); }
  std::optional<uint8_t> u8(uint64_t a) const noexcept { return get<uint8_t>(a); }

  bool readable(uint64_t address, size_t len = 1) const noexcept {
    if (at(address, len) != nullptr) return true;
    return space_ != nullptr && space_->readable(address, len);
  }

  const target::AddressSpace* space() const { return space_; }
  std::span<const target::Region> regions() const { return regions_; }

 private:
  const std::byte* locate(uint64_t address, size_t len) const noexcept;

  std::span<const target::Region> regions_;
  const target::AddressSpace* space_ = nullptr;
  // A region's usable span is min(end, start + bytes): a truncated core has fewer bytes
  // than addresses.
  struct Cached {
    uint64_t start = 0;
    uint64_t size = 0;
    const std::byte* data = nullptr;
    // [address, address + len) inside [start, start + size), in two comparisons: below
    // start, address - start wraps to more than any region's size; and address + len
    // cannot wrap without leaving the region.
    bool holds(uint64_t address, size_t len) const noexcept {
      return len <= size && address - start <= size - len;
    }
  };
  static constexpr int kGranuleBits = 20;
  static constexpr size_t kRecent = 64;
  mutable Cached last_;
  mutable std::array<Cached, kRecent> recent_{};
};

}  // namespace pycore::heap
