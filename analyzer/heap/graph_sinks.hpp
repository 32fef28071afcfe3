// Receivers of the referent visitor: the graph builder's (targets only, pointers checked)
// and the reporter's (slots of one chosen target).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "graph.hpp"
#include "object_check.hpp"
#include "referents.hpp"
#include "untracked_counts.hpp"

namespace pycore::heap {

// A pointer held by a container that does not lead to a live object, or a container whose
// own storage could not be read.
struct Problem {
  uint32_t parent = kNoObject;  // object number of the container
  uint64_t target = 0;          // the pointer (or the storage address for kStorage)
  // Where the parent holds it. GraphSink leaves it empty (carrying every pointer's slot
  // through its queues cost more than the rest of the queueing); fill_problem_slots() finds
  // it afterwards by visiting the few parents again.
  Slot slot;
  Verdict verdict = Verdict::kOk;
  const char* storage = nullptr;  // kStorage: what could not be read
};

// Per-thread reference counts of the referent pass, one word per tracked object: bits 0-30
// count exact references (saturating), bit 31 says a conservative scan found one.
inline constexpr uint32_t kConservativeMark = 1u << 31;
inline constexpr uint32_t kExactCountMask = kConservativeMark - 1;

// Resolves each pointer to an object number through the address index and counts it
// there, or checks what it points at when it is no tracked object.
//
// Each pointer costs cache misses that do not depend on each other's results across
// pointers, so it goes through queues, each resolved kBatch pointers after its lines were
// prefetched, in order: edge() fetches the index's bit word; resolving that either fetches
// the tracked object's counter (incremented one queue later) or, for any other pointer,
// fetches the target's header for the check. Most pointers lead to tracked objects, whose
// headers are not read here. Callers flush() before they read what it wrote.
class GraphSink {
 public:
  // References to tracked objects are counted in `counts` (kConservativeMark, kExactCountMask).
  GraphSink(const AddressIndex& index, ExternalChecker& checker, const Memory& memory,
            BigVector<uint32_t>& counts, std::vector<Problem>& problems, std::vector<uint64_t>& aux)
      : index_(index),
        checker_(checker),
        memory_(memory),
        counts_(counts),
        problems_(problems),
        aux_(aux) {}
  GraphSink(const GraphSink&) = delete;
  GraphSink& operator=(const GraphSink&) = delete;

  void begin(uint32_t object) { current_ = object; }
  // Also count every exact edge to a live untracked object, so that its references can be
  // balanced against its refcount (untracked.hpp).
  void keep_untracked(UntrackedBatch* untracked) { untracked_ = untracked; }
  // Count every exact pointer that is no tracked object, unchecked: judge_untracked()
  // checks each distinct one afterwards, and the holders of the bad ones are found by
  // visiting the graph again (holders.hpp). Most such pointers lead to a few objects
  // each (ints, strings): checking each pointer here cost a fifth of the referent pass.
  void count_untracked_unchecked(UntrackedBatch* untracked) {
    untracked_ = untracked;
    unchecked_ = true;
  }

  void edge(uint64_t target, const Slot&, bool conservative) {
    const uint64_t bit = index_.bit_of(target);
    index_.prefetch_bit(bit);
    pending_[size_++] = Pending{target, bit, current_, conservative};
    if (size_ == kBatch) flush_pending();
  }

  void storage_problem(uint64_t at, const char* what) {
    flush();  // problems stay in the order they were met
    problems_.push_back(Problem{current_, at, Slot{}, Verdict::kStorage, what});
  }

  // Resolves every queued pointer.
  void flush() {
    flush_pending();
    flush_hits();
    flush_untracked();
  }

  // References to tracked objects counted so far: exact, and found by a conservative scan.
  uint64_t exact_edges() const { return exact_edges_; }
  uint64_t conservative_edges() const { return conservative_edges_; }

 private:
  struct Pending {
    uint64_t target;
    uint64_t bit;  // in the address index
    uint32_t parent;
    bool conservative;
  };
  static constexpr size_t kBatch = 16;

  void flush_pending() {
    for (size_t k = 0; k < size_; ++k) resolve(pending_[k]);
    size_ = 0;
  }
  void flush_hits() {
    for (size_t k = 0; k < hits_size_; ++k) {
      const uint32_t h = hits_[k];
      uint32_t& c = counts_[h & kExactCountMask];
      if (h & kConservativeMark)
        c |= kConservativeMark;
      else if ((c & kExactCountMask) != kExactCountMask)
        ++c;
    }
    hits_size_ = 0;
  }
  void flush_untracked() {
    for (size_t k = 0; k < untracked_size_; ++k) check(untracked_pending_[k]);
    untracked_size_ = 0;
  }

  void resolve(const Pending& e) {
    uint32_t i = index_.find_bit(e.bit);
    if (i != kNoObject) {
      __builtin_prefetch(&counts_[i], 1);
      hits_[hits_size_++] = e.conservative ? i | kConservativeMark : i;
      ++(e.conservative ? conservative_edges_ : exact_edges_);
      if (hits_size_ == kBatch) flush_hits();
      return;
    }
    if (e.conservative) return;
    if (unchecked_) {
      untracked_->push(e.target);
      return;
    }
    if (const std::byte* p = memory_.at(e.target, 16)) __builtin_prefetch(p);
    untracked_pending_[untracked_size_++] = e;
    if (untracked_size_ == kBatch) flush_untracked();
  }

  void check(const Pending& e) {
    Verdict v = checker_.check(e.target);
    switch (v) {
      case Verdict::kOk:
        if (untracked_ != nullptr) untracked_->push(e.target);
        return;
      case Verdict::kNotDumped:
      case Verdict::kImmortal:
        return;
      case Verdict::kCode:
        if (untracked_ != nullptr) untracked_->push(e.target);
        aux_.push_back(e.target);
        return;
      case Verdict::kTypeObject:  // static types: their tp_base is borrowed, not counted
        aux_.push_back(e.target);
        return;
      default:
        problems_.push_back(Problem{e.parent, e.target, Slot{}, v, nullptr});
    }
  }

  const AddressIndex& index_;
  ExternalChecker& checker_;
  const Memory& memory_;
  BigVector<uint32_t>& counts_;
  std::vector<Problem>& problems_;
  std::vector<uint64_t>& aux_;
  UntrackedBatch* untracked_ = nullptr;
  bool unchecked_ = false;
  uint32_t current_ = kNoObject;
  std::array<Pending, kBatch> pending_;
  size_t size_ = 0;
  std::array<uint32_t, kBatch> hits_;  // object number | kConservativeMark
  size_t hits_size_ = 0;
  std::array<Pending, kBatch> untracked_pending_;
  size_t untracked_size_ = 0;
  uint64_t exact_edges_ = 0, conservative_edges_ = 0;
};

// Collects the slots through which one object holds `target` (or any of `targets`).
class SlotSink {
 public:
  explicit SlotSink(uint64_t target) : targets_{target} {}
  // `targets` sorted.
  explicit SlotSink(std::vector<uint64_t> targets) : targets_(std::move(targets)) {}
  void edge(uint64_t target, const Slot& slot, bool conservative) {
    if (targets_.size() == 1 ? target == targets_[0]
                             : std::binary_search(targets_.begin(), targets_.end(), target))
      found.push_back({target, slot, conservative});
  }
  void storage_problem(uint64_t, const char*) {}
  struct Found {
    uint64_t target;
    Slot slot;
    bool conservative;
  };
  std::vector<Found> found;  // in the order the visitor met them

 private:
  std::vector<uint64_t> targets_;
};

}  // namespace pycore::heap
