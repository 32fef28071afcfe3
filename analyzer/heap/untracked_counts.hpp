// References counted per untracked object (str, int, untracked tuples, code objects), for
// the refcount balance in untracked.hpp.
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
#include <functional>
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
  // The addresses counted at least min_references times for which keep(address,
  // references) holds, in ascending address order. keep() is asked a few addresses after
  // prefetch(address) was (when given): it usually reads the object, which is elsewhere.
  std::vector<Counted> counted(uint64_t min_references,
                               const std::function<bool(uint64_t, uint64_t)>& keep,
                               const std::function<void(uint64_t)>& prefetch = {}) const;

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
