// The object graph: flat arrays indexed by object number. It keeps no edges: the referent
// pass counts, per tracked object, the exact references it found to it (in_exact) and
// whether anything referred to it at all (kReferenced); the few objects a finding names get
// their referrers from a second visit (holders.hpp). Storing ~2 edges per object, merging
// the threads' stores and inverting them cost more than the checks ever read of them.
//
// Object numbers [0, gc_count) are the GC-tracked objects in address order; numbers from
// gc_count on are auxiliary sources: objects that are not tracked (code objects, static
// types) but own references to tracked ones, so their references count. Only tracked
// objects are counted and checked.
//
// Address order keeps the referent pass a sweep through the core instead of a random walk.
// Memory per object: address 8, refcount 4, type 4, generation 1, flags 1, in-degree 4 =
// 22 bytes, another 4 per further thread while the referent pass counts, plus the address
// index (about 1/40 of the heap's bytes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>
#include <vector>

#include "address_index.hpp"
#include "pycore/heap/big_vector.hpp"
#include "referents.hpp"

namespace pycore::heap {

inline constexpr uint8_t kAuxGeneration = 0xFF;

enum ObjectFlags : uint8_t {
  kHeaderUnreadable = 1 << 0,  // refcount/type could not be read
  kReferenced = 1 << 1,        // some reference (exact or conservative) leads to it
  kRoot = 1 << 3,              // referenced from interpreter or thread state
};

struct ObjectGraph {
  BigVector<uint64_t> address;
  BigVector<uint32_t> type;       // index into the TypeTable
  BigVector<uint8_t> generation;  // 0-2, 3 permanent, kAuxGeneration
  BigVector<uint8_t> flags;
  uint32_t gc_count = 0;

  BigVector<uint32_t> in_exact;  // exact references found to each tracked object

  AddressIndex index;  // tracked objects only (numbers < gc_count)

  size_t size_objects() const { return address.size(); }

  // Refcounts are kept in 32 bits; the rare one that does not fit (3.12+ immortal
  // objects, corrupt values) goes to a side table, so every value stays exact.
  int64_t refcount(uint32_t object) const {
    const int32_t r = refcount_low_[object];
    if (r != kWideRefcount) return r;
    auto it = std::lower_bound(refcount_wide_.begin(), refcount_wide_.end(),
                               std::pair<uint32_t, int64_t>{object, INT64_MIN});
    return it != refcount_wide_.end() && it->first == object ? it->second : r;
  }
  // Objects are numbered in order: set() in ascending object order, push() to append.
  void set_refcount(uint32_t object, int64_t rc) {
    if (rc > INT32_MIN && rc <= INT32_MAX) {
      refcount_low_[object] = static_cast<int32_t>(rc);
    } else {
      refcount_low_[object] = kWideRefcount;
      refcount_wide_.emplace_back(object, rc);
    }
  }
  // For threads filling disjoint ranges: stores rc when it fits in 32 bits and says so;
  // the others go to append_wide_refcounts(), in ascending object order, afterwards.
  bool try_set_refcount(uint32_t object, int64_t rc) {
    if (rc > INT32_MIN && rc <= INT32_MAX) {
      refcount_low_[object] = static_cast<int32_t>(rc);
      return true;
    }
    refcount_low_[object] = kWideRefcount;
    return false;
  }
  void append_wide_refcounts(const std::vector<std::pair<uint32_t, int64_t>>& wide) {
    refcount_wide_.insert(refcount_wide_.end(), wide.begin(), wide.end());
  }
  void push_refcount(int64_t rc) {
    refcount_low_.push_back(0);
    set_refcount(static_cast<uint32_t>(refcount_low_.size() - 1), rc);
  }
  void reserve_refcounts(size_t n) { refcount_low_.reserve(n); }
  // Keeps the refcounts of the first n objects.
  void resize_refcounts(size_t n) {
    refcount_low_.resize(n);
    while (!refcount_wide_.empty() && refcount_wide_.back().first >= n) refcount_wide_.pop_back();
  }
  size_t memory_bytes() const;

 private:
  static constexpr int32_t kWideRefcount = INT32_MIN;
  BigVector<int32_t> refcount_low_;
  std::vector<std::pair<uint32_t, int64_t>> refcount_wide_;  // ascending object number
};

}  // namespace pycore::heap
