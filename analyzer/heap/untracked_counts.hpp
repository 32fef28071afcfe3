// References counted per address for every exact pointer that is no tracked object: to
// untracked objects (str, int, untracked tuples, code objects), or to no live object at
// all, since the referent pass counts before it checks. judge_untracked() in untracked.hpp
// checks each counted address once and balances the live ones' refcounts.
//
// Keeping one 8-byte target per edge costs 8 bytes per reference (and as much again to sort
// them): more than the whole graph on a heap of strings. Instead every object gets a one-byte
// counter in an array with one slot per 32 bytes of the target's address space. The array
// is reserved, not allocated: only the pages of slots that are counted ever use memory,
// about 1/32 of the heap's bytes where untracked objects live, and nothing for the rest of
// the core. It asks for 2 MiB pages (one covers 64 MiB of the target): at most 1/32 of the
// core's size, and far fewer page faults than 4 KiB pages.
//
// A slot holds in bits 6-7 where in its 32 bytes the object starts (a multiple of 8) and in
// bits 0-5 its count. Counts beyond 63, and a second object in the same 32 bytes (only
// objects smaller than 32 bytes, such as object() instances, can share one), go on exactly
// in a small map keyed by address, so the result is exact in every case.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <span>
#include <unordered_map>
#include <vector>

#include "pycore/target/address_space.hpp"

namespace pycore::heap {

class UntrackedCounts {
 public:
  // Slots for every address of `regions` (sorted, non-overlapping).
  explicit UntrackedCounts(std::span<const target::Region> regions);
  ~UntrackedCounts();
  UntrackedCounts(const UntrackedCounts&) = delete;
  UntrackedCounts& operator=(const UntrackedCounts&) = delete;

  // Counts one reference to each address. Thread-safe (a lock per call: pass batches).
  void add(std::span<const uint64_t> targets);
  // The same unless another thread is counting: then nothing is counted and it says false.
  bool try_add(std::span<const uint64_t> targets);

  struct Counted {
    uint64_t address = 0;
    uint64_t references = 0;
  };
  // The references counted to `address` (0 when none).
  uint64_t references_to(uint64_t address) const;

  // fn(address, references) for each address counted at least min_references times that
  // has a slot, ascending, in the part-th of `parts` equal shares of the slots (the shares
  // may be visited at once, from different threads).
  template <class Fn>
  void for_each_in_slots(uint64_t min_references, unsigned part, unsigned parts, Fn&& fn) const;
  // fn(address, references) for the map's own addresses (no slot of their own: they
  // shared one with another object, lay outside the slots, or are misaligned), in no order.
  template <class Fn>
  void for_each_in_map(uint64_t min_references, Fn&& fn) const;

  // Counts no more; releases the slots.
  void release();

 private:
  struct Span {
    uint64_t base = 0, end = 0;  // [base, end), base 16-aligned
    uint64_t first_slot = 0;
  };
  const Span* span_of(uint64_t address) const;  // nullptr when no span holds it
  // UINT64_MAX when no span holds it. The cache miss is out of line, so that the hit is
  // inlined into count().
  uint64_t slot_of(uint64_t address);
  struct Recent;
  [[gnu::noinline]] uint64_t slot_of_uncached(uint64_t address, Recent& cached);
  void count(std::span<const uint64_t> targets);  // under lock_

  static constexpr uint64_t kSlotBytes = 32;
  static constexpr int kOffsetShift = 6;       // bits 6-7: where in its 32 bytes it starts / 8
  static constexpr uint8_t kCountMask = 0x3F;  // bits 0-5: references, up to 63
  static constexpr uint64_t kSlotPage = 4096;  // slots per page of the slot array
  static uint8_t offset_bits(uint64_t address) {
    return static_cast<uint8_t>(((address >> 3) & 3) << kOffsetShift);
  }
  std::vector<unsigned char> resident_pages() const;  // per page of slots: written?
  bool slot_holds(uint64_t address) const;            // does a slot hold this address's count?

  std::vector<Span> spans_;
  // Spans of recent lookups by 1 MiB granule: the targets of one batch are scattered over
  // a few arenas (ints in one, strings in another), too many for a last-span cache alone.
  struct Recent {
    uint64_t granule = UINT64_MAX;
    uint32_t span = 0;
  };
  std::array<Recent, 64> recent_{};
  uint8_t* slots_ = nullptr;
  size_t slot_count_ = 0;
  std::vector<uint64_t> written_;                    // a bit per page of slots_: written yet?
  std::unordered_map<uint64_t, uint64_t> overflow_;  // address -> references not in a slot
  std::vector<uint64_t> batch_slots_;
  std::mutex lock_;
};

template <class Fn>
void UntrackedCounts::for_each_in_slots(uint64_t min_references, unsigned part, unsigned parts,
                                        Fn&& fn) const {
  if (slots_ == nullptr) return;
  parts = parts == 0 ? 1 : parts;
  const uint64_t part_lo = slot_count_ * part / parts;
  const uint64_t part_hi = slot_count_ * (part + 1) / parts;
  const std::vector<unsigned char> resident = resident_pages();
  for (const Span& s : spans_) {
    const uint64_t first = s.first_slot;
    const uint64_t span_end = first + (s.end - s.base + kSlotBytes - 1) / kSlotBytes;
    const uint64_t end = span_end < part_hi ? span_end : part_hi;
    for (uint64_t slot = first > part_lo ? first : part_lo; slot < end;) {
      if ((resident[slot / kSlotPage] & 1) == 0) {
        const uint64_t next_page = (slot / kSlotPage + 1) * kSlotPage;
        slot = next_page < end ? next_page : end;
        continue;
      }
      if (slot % 8 == 0 && slot + 8 <= end) {  // most slots are zero: eight at a time
        uint64_t word;
        std::memcpy(&word, slots_ + slot, 8);
        if (word == 0) {
          slot += 8;
          continue;
        }
      }
      const uint8_t v = slots_[slot];
      if (v != 0) {
        const uint64_t address = s.base + (slot - first) * kSlotBytes + (v >> kOffsetShift) * 8;
        uint64_t references = v & kCountMask;
        if (references == kCountMask)  // saturated: the rest is in the map
          if (auto it = overflow_.find(address); it != overflow_.end()) references += it->second;
        if (references >= min_references) fn(address, references);
      }
      ++slot;
    }
  }
}

template <class Fn>
void UntrackedCounts::for_each_in_map(uint64_t min_references, Fn&& fn) const {
  // A saturated slot's extra count was added by for_each_in_slots().
  for (const auto& [address, references] : overflow_)
    if (!slot_holds(address) && references >= min_references) fn(address, references);
}

// One thread's references, handed to UntrackedCounts in batches so that the lock is rare;
// while another thread holds it, the batch grows (up to kMax) instead of waiting.
class UntrackedBatch {
 public:
  explicit UntrackedBatch(UntrackedCounts& counts) : counts_(counts) { buffer_.reserve(kSize); }
  ~UntrackedBatch() { flush(); }
  UntrackedBatch(const UntrackedBatch&) = delete;
  UntrackedBatch& operator=(const UntrackedBatch&) = delete;

  void push(uint64_t target) {
    buffer_.push_back(target);
    if (buffer_.size() % kSize == 0 && (buffer_.size() == kMax || counts_.try_add(buffer_))) {
      if (buffer_.size() == kMax) counts_.add(buffer_);
      buffer_.clear();
    }
  }
  void flush() {
    if (!buffer_.empty()) counts_.add(buffer_);
    buffer_.clear();
  }

 private:
  static constexpr size_t kSize = 4096;
  static constexpr size_t kMax = 16 * kSize;
  UntrackedCounts& counts_;
  std::vector<uint64_t> buffer_;
};

}  // namespace pycore::heap
