// The object graph: flat arrays indexed by object number, edges in CSR form.
//
// Object numbers [0, gc_count) are the GC-tracked objects in address order; numbers from
// gc_count on are auxiliary sources: objects that are not tracked (code objects, static
// types) but own references to tracked ones, so their edges count. Only tracked objects are
// edge targets and only they are checked.
//
// Address order keeps the referent pass a sweep through the core instead of a random walk.
// Memory per object: address 8, refcount 4, type 4, generation 1, flags 1, edge offset 4,
// in-degree 4 = 26 bytes, plus 4 per edge and the address index (about 1/40 of the heap's
// bytes).
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "address_index.hpp"
#include "pycore/heap/big_vector.hpp"
#include "referents.hpp"

namespace pycore::heap {

inline constexpr uint32_t kConservativeEdge = 1u << 31;  // flag bit in edge targets
inline constexpr uint8_t kAuxGeneration = 0xFF;

enum ObjectFlags : uint8_t {
  kHeaderUnreadable = 1 << 0,    // refcount/type could not be read
  kReferenced = 1 << 1,          // some edge (exact or conservative) points at it
  kConservativeSource = 1 << 2,  // some of its edges come from a conservative scan
  kRoot = 1 << 3,                // referenced from interpreter or thread state
};

struct ObjectGraph {
  BigVector<uint64_t> address;
  BigVector<uint32_t> type;       // index into the TypeTable
  BigVector<uint8_t> generation;  // 0-2, 3 permanent, kAuxGeneration
  BigVector<uint8_t> flags;
  uint32_t gc_count = 0;

  // Edges (object number | kConservativeEdge) in CSR form: object i's edges are numbers
  // edge_begin[i] .. edge_begin[i + 1] - 1. They stay in the stores the referent pass
  // wrote them to (one per thread, one for the auxiliary sources), in runs of consecutive
  // objects, so that no pass copies them into one array.
  struct EdgeRun {
    uint32_t first_object = 0;  // the run holds objects [first_object, the next run's)
    uint32_t first_edge = 0;    // edge_begin[first_object]
    uint32_t store = 0;         // index in edge_stores
    size_t offset = 0;          // of the run's first edge in its store
  };
  BigVector<uint32_t> edge_begin;  // size() + 1 entries
  std::vector<BigVector<uint32_t>> edge_stores;
  std::vector<EdgeRun> edge_runs;  // ascending first_object; every object with edges is in one

  size_t edge_count() const { return edge_begin.empty() ? 0 : edge_begin.back(); }
  // f(source, edge) for every edge, in source order.
  template <class F>
  void for_each_edge(F&& f) const {
    for (size_t k = 0; k < edge_runs.size(); ++k) {
      const EdgeRun& r = edge_runs[k];
      const uint32_t end = k + 1 < edge_runs.size() ? edge_runs[k + 1].first_object
                                                    : static_cast<uint32_t>(edge_begin.size() - 1);
      const uint32_t* edges = edge_stores[r.store].data() + r.offset;
      for (uint32_t i = r.first_object; i < end; ++i)
        for (uint32_t e = edge_begin[i]; e < edge_begin[i + 1]; ++e) f(i, edges[e - r.first_edge]);
    }
  }
  // Every run's edges as one span each, in source order.
  std::vector<std::span<const uint32_t>> edge_spans() const {
    std::vector<std::span<const uint32_t>> out;
    for (size_t k = 0; k < edge_runs.size(); ++k) {
      const EdgeRun& r = edge_runs[k];
      const uint32_t end_edge =
          k + 1 < edge_runs.size() ? edge_runs[k + 1].first_edge : edge_begin.back();
      out.emplace_back(edge_stores[r.store].data() + r.offset, end_edge - r.first_edge);
    }
    return out;
  }

  BigVector<uint32_t> in_exact;  // exact edges pointing at each tracked object

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
