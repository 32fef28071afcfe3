// Refcount balance of objects the collector does not track (str, int, bytes, float,
// untracked tuples and dicts, code objects, ...). The graph keeps them out of its index;
// instead the referent pass counts the exact edges that lead to each of them
// (UntrackedCounts, untracked_counts.hpp), and here those counts are set against their
// refcounts, as visit_decref would for a tracked object.
//
// What is deliberately not counted (see docs/checks.md, refcount-underflow):
//   - static type objects: a static type's tp_base is a borrowed pointer;
//   - 3.12+ immortal objects (ExternalChecker says kImmortal; their refcount is saturated);
//   - conservative edges (never evidence for an error).
// Everything else only ever undercounts (references from C, from the interned dict, from
// frames in thread data stacks), which can hide an underflow but not invent one.
#pragma once

#include <cstdint>
#include <vector>

#include "graph.hpp"
#include "object_check.hpp"
#include "pycore/heap/big_vector.hpp"
#include "pycore/heap/memory.hpp"
#include "referents.hpp"
#include "types.hpp"
#include "untracked_counts.hpp"

namespace pycore::heap {

struct UntrackedUnderflow {
  uint64_t address = 0;
  int64_t refcount = 0;
  uint64_t references = 0;  // exact references found
};

// Every counted object whose refcount is positive, not immortal and lower than the
// references to it, in ascending address order. The counts are released.
std::vector<UntrackedUnderflow> untracked_underflows(UntrackedCounts& counts, const Memory& memory,
                                                     const Offsets& off, RefcountRules rules);

// Receives the referents of one graph object and notes which of the wanted targets
// (sorted, non-empty) it holds.
class WantedSink {
 public:
  WantedSink(const std::vector<uint64_t>& sorted, std::vector<std::vector<uint32_t>>& out,
             size_t max_each)
      : sorted_(sorted), out_(out), max_each_(max_each) {}
  void begin(uint32_t source) { source_ = source; }
  void edge(uint64_t target, const Slot& slot, bool conservative);
  void storage_problem(uint64_t, const char*) {}

 private:
  const std::vector<uint64_t>& sorted_;
  std::vector<std::vector<uint32_t>>& out_;
  size_t max_each_;
  uint32_t source_ = 0;
};

// The graph objects (tracked and auxiliary) holding each of `targets` through an exact edge,
// at most `max_each` per target: one referent pass over the whole graph, run only when
// there is something to name. Result[i] belongs to targets[i].
std::vector<std::vector<uint32_t>> untracked_referrers(const ObjectGraph& graph,
                                                       const TypeTable& types,
                                                       const VisitContext& visit,
                                                       const std::vector<uint64_t>& targets,
                                                       size_t max_each);

}  // namespace pycore::heap
