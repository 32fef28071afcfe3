// Address -> object number for objects numbered in address order.
//
// One bit per 8 bytes of the address ranges that hold objects, and a rank directory (the
// number of objects before each 64-bit word): an object's number is the count of set bits
// before its bit. That is ~1/40 of the heap's size (10 MB for a 400 MB heap) against 16-32
// bytes per object for a hash table, and a lookup touches two cache lines that usually stay
// in cache, where a hash probe misses to DRAM for every pointer.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

#include "pycore/heap/big_vector.hpp"
#include "referents.hpp"

namespace pycore::heap {

inline constexpr uint32_t kNoObject = UINT32_MAX;

class AddressIndex : public KnownObjects {
 public:
  // `sorted` holds the objects' addresses in strictly ascending order; object i is
  // sorted[i]. Addresses must be 8-aligned (objects are); other ones are never found.
  void build(const uint64_t* sorted, size_t n);

  // The same for addresses in any order, some perhaps more than once, numbered without
  // sorting them: each sets its bit (on `threads` threads, each owning a range of the
  // bitmap), and the numbers are the ranks. Misaligned addresses are left out.
  struct Unsorted {
    size_t repeats = 0;     // addresses met again after their first time
    size_t misaligned = 0;  // addresses left out
  };
  Unsorted build_unsorted(const uint64_t* addresses, size_t n, unsigned threads);
  // The indexed addresses in ascending order (object i's at out[i]); out may be the array
  // build_unsorted() read.
  void write_addresses(uint64_t* out, unsigned threads) const;
  size_t size() const { return count_; }

  uint32_t find(uint64_t address) const { return find_bit(bit_of(address)); }

  // find() in two steps, for callers that prefetch between them: the bit of an address
  // (kNoBit when no object can be there), then the object at a bit.
  static constexpr uint64_t kNoBit = UINT64_MAX;
  uint64_t bit_of(uint64_t address) const {
    if ((address & 7) != 0) return kNoBit;
    // The 1 MiB granule's entry in a small hash table; the first probe nearly always
    // decides. A binary search over the spans cost a fifth of the referent pass.
    const uint64_t granule = address >> kTableShift;
    for (size_t h = hash_slot(granule);; h = (h + 1) & table_mask_) {
      const Granule& e = table_[h];
      if (e.granule == granule) {
        const uint64_t offset = address & ((uint64_t{1} << kTableShift) - 1);
        return offset - e.lo < e.hi - e.lo ? e.bias + (address >> 3) : kNoBit;
      }
      if (e.granule == kNoGranule) return kNoBit;
    }
  }
  uint32_t find_bit(uint64_t bit) const {
    if (bit == kNoBit) return kNoObject;
    const uint64_t word = bits_[bit >> 6];
    const uint64_t mask = uint64_t{1} << (bit & 63);
    if ((word & mask) == 0) return kNoObject;
    // Objects before this one: those before its word, then those before it in the word.
    return rank_[bit >> 6] + popcount(word & (mask - 1));
  }
  // Starts loading the lines find_bit(bit) will read.
  void prefetch_bit(uint64_t bit) const {
    if (bit == kNoBit) return;
    __builtin_prefetch(&bits_[bit >> 6]);
    __builtin_prefetch(&rank_[bit >> 6]);
  }
  bool contains(uint64_t address) const override { return find(address) != kNoObject; }
  size_t bytes() const {
    return bits_.size() * 8 + rank_.size() * 4 + spans_.capacity() * sizeof(Span) +
           table_.capacity() * sizeof(Granule);
  }

 private:
  // A stretch of addresses with objects; gaps wider than kMaxGap start a new span.
  struct Span {
    uint64_t start = 0, end = 0;  // [start, end)
    uint64_t first_bit = 0;
  };
  static constexpr uint64_t kMaxGap = uint64_t{1} << 20;
  // build_unsorted() finds the spans from the granules that hold objects: a granule's bits
  // are 1/64 of its bytes (1 KiB), which bounds the bitmap of a sparse heap per object.
  static constexpr int kGranuleShift = 16;

  void allocate_bits(uint64_t total_bits);
  void build_table();

  // Granules of 1 MiB that spans touch: [lo, hi) of the granule (offsets) belongs to the
  // span whose bits start at bias + (span start >> 3). Spans are more than kMaxGap apart,
  // so no granule holds bytes of two.
  static constexpr int kTableShift = 20;
  static_assert(kMaxGap >= (uint64_t{1} << kTableShift));
  static constexpr uint64_t kNoGranule = UINT64_MAX;
  struct Granule {
    uint64_t granule = kNoGranule;
    uint64_t bias = 0;
    uint32_t lo = 0, hi = 0;
  };
  size_t hash_slot(uint64_t granule) const {
    return static_cast<size_t>((granule * 0x9E3779B97F4A7C15ull) >> 32) & table_mask_;
  }
  void build_ranks(unsigned threads);

  const Span* span_of(uint64_t address) const {
    // First span whose end is beyond the address, without branches: the spans a heap's
    // pointers fall in are too mixed for the branch predictor.
    const Span* base = spans_.data();
    size_t n = spans_.size();
    if (n == 0) return nullptr;
    while (n > 1) {
      const size_t half = n / 2;
      base = base[half - 1].end <= address ? base + half : base;
      n -= half;
    }
    if (base->end <= address || address < base->start) return nullptr;
    return base;
  }

  // Bit counting without the POPCNT instruction (the build targets baseline x86-64, where
  // std::popcount is a library call).
  static uint32_t popcount(uint64_t x) {
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
    return static_cast<uint32_t>((x * 0x0101010101010101ull) >> 56);
  }

  std::vector<Span> spans_;
  std::vector<Granule> table_ = std::vector<Granule>(1);  // one empty entry: finds nothing
  size_t table_mask_ = 0;
  BigVector<uint64_t> bits_;
  BigVector<uint32_t> rank_;  // set bits before each word
  size_t count_ = 0;          // objects indexed
};

}  // namespace pycore::heap
