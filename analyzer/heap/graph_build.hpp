// Builds the object graph from the GC lists: headers and types first (one pass), then the
// referents of every object (split across threads, each counting the references it finds
// per target), then the auxiliary sources (code objects and static types reached from
// tracked objects), then in-degrees from the threads' counts.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "graph.hpp"
#include "graph_sinks.hpp"
#include "object_check.hpp"
#include "pycore/heap/gc_lists.hpp"
#include "pycore/heap/memory.hpp"
#include "pycore/heap/pymalloc.hpp"
#include "referents.hpp"
#include "types.hpp"
#include "untracked.hpp"

namespace pycore::heap {

struct BuildOptions {
  unsigned threads = 2;
  // Below this many objects per thread a phase runs on fewer threads (tests set 1 so that
  // every split path runs on small heaps too).
  size_t min_objects_per_thread = 100'000;
  uint64_t max_items = 1u << 26;      // per container
  size_t max_aux = 4'000'000;         // auxiliary sources (code objects, static types)
  std::function<bool()> should_stop;  // polled; true ends the build early
  // (phase, objects done, objects in the phase), from the calling thread
  std::function<void(const char*, size_t, size_t)> progress;
};

struct HeaderProblem {
  uint32_t object = 0;
  Verdict verdict = Verdict::kOk;
};

struct BuildResult {
  ObjectGraph graph;
  std::vector<Problem> problems;               // pointers that lead nowhere live
  std::vector<HeaderProblem> header_problems;  // tracked objects whose header is wrong
  // Untracked objects with more exact references than their refcount (untracked.hpp);
  // untracked_balanced is false when the deadline came first.
  std::vector<UntrackedUnderflow> untracked;
  bool untracked_balanced = false;
  std::vector<std::string> notes;
  bool complete = true;  // every object's referents were computed
  // References found to tracked objects (each counted in in_exact or, when conservative,
  // only in kReferenced), for the statistics.
  uint64_t edges = 0, conservative_edges = 0;
  struct Tally {
    int64_t objects = 0, bytes = 0;
  };
  std::vector<Tally> by_type;            // tracked objects per TypeTable index
  std::array<Tally, 4> by_generation{};  // generations 0-2 and permanent
  struct Seconds {
    double index = 0, headers = 0, referents = 0, merge = 0, aux = 0, untracked = 0, in_degree = 0;
  } seconds;
};

struct BuildInputs {
  const Memory& memory;
  const layout::Layout& layout;
  const Offsets& offsets;
  TypeTable& types;
  const Pymalloc& pymalloc;
  RefcountRules rules;
};

// Threads for a phase over n objects.
unsigned threads_for(size_t n, const BuildOptions& options);

// Numbers the walk's objects in address order through g.index (no sort; see
// AddressIndex::build_unsorted) and gives each the generation of the first list it was
// found on. walk.objects becomes g.address, with room for `capacity` objects.
AddressIndex::Unsorted number_objects(GcWalk& walk, ObjectGraph& g, size_t capacity,
                                      const BuildOptions& options);

// Takes (moves out) walk.objects and walk.generation; the rest of `walk` stays.
BuildResult build_graph(const BuildInputs& in, GcWalk& walk, const BuildOptions& options);

// Allocation size of a tracked object: its basic and item sizes, GC head, 3.11+ pre-header.
// Inline: the header pass calls it for every object.
inline uint32_t allocation_size(const BuildInputs& in, uint64_t obj, const HeapType& t) {
  if (!t.valid || t.basicsize <= 0) return 0;
  int64_t size = t.basicsize;
  if (t.itemsize != 0) {
    // Some var-sized types keep no count at ob_size (generators, 3.11+ frames): a word
    // that is no plausible count is ignored.
    const int64_t n = in.memory.i64(obj + static_cast<uint64_t>(in.offsets.ob_size)).value_or(0);
    const int64_t items = n < 0 ? -n : n;
    if (items <= (int64_t{1} << 24)) size += items * t.itemsize;
  }
  size = (size + 7) & ~int64_t{7};
  size += in.offsets.gc_head;
  if (t.preheader) size += 16;  // 3.11+ pre-header: dict and values/weakref pointers
  return static_cast<uint32_t>(std::min<int64_t>(size, UINT32_MAX));
}

}  // namespace pycore::heap
