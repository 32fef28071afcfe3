// The cyclic GC's generation lists: where they are and every object on them.
//
// Each list is a circular doubly-linked list of PyGC_Head through a list head that lives in
// the GC state (3.6 statics, 3.7/3.8 _PyRuntime.gc, 3.9+ interp->gc). Walking checks
// `next->prev == this` at every step; where a list breaks, the walk records the break and
// resumes from the list's other end through the prev links, so one bad node costs one
// object, not the rest of the list.
//
// A core taken while the collector ran (gc `collecting` set) holds gc_refs instead of prev
// pointers in the collected generation (3.8+: COLLECTING bit in _gc_prev); such nodes are
// walked through next only, and the result says so.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "pycore/heap/big_vector.hpp"
#include "pycore/heap/memory.hpp"
#include "pycore/layout/layout.hpp"

namespace pycore::heap {

// How a PyGC_Head is laid out, derived once from the layout.
struct GcHeadCodec {
  uint32_t size = 16;  // sizeof(PyGC_Head): object = head + size
  int64_t next_off = 0;
  int64_t prev_off = 8;
  int64_t refs_off = -1;  // 3.6/3.7: separate gc_refs word; -1 when packed into _gc_prev
  uint64_t pointer_mask = ~uint64_t{7};  // strips flag bits from _gc_next/_gc_prev
  uint64_t collecting_bit = 0;           // 3.8+: _gc_prev bit 1 (PREV_MASK_COLLECTING)

  static GcHeadCodec from(const layout::Layout& layout);
};

struct GcList {
  int interpreter = -1;     // index in the interpreter list; -1 for runtime-wide lists
  uint64_t interp = 0;      // PyInterpreterState address (0 for runtime-wide lists)
  int generation = 0;       // 0, 1, 2; 3 = permanent generation
  uint64_t head = 0;        // address of the list head's PyGC_Head
  bool collecting = false;  // the owning GC state had `collecting` set
};

struct GcListsLocation {
  std::vector<GcList> lists;
  std::vector<uint64_t> interpreters;  // every PyInterpreterState found, in list order
  std::vector<std::string> notes;      // what could not be located, one sentence each
};

// Finds every generation list of every interpreter (runtime-wide lists once).
GcListsLocation locate_gc_lists(const Memory& memory, const layout::Layout& layout);

std::string generation_name(int generation);  // "generation 0" ... "permanent"

// A place where a list is broken.
struct GcListBreak {
  int list = 0;             // index into GcListsLocation::lists
  uint64_t at = 0;          // PyGC_Head address where the walk stopped
  uint64_t last_good = 0;   // PyGC_Head of the last node that checked out (the head itself
                            // when the list breaks at its first node)
  bool backwards = false;   // found while walking prev links from the list's tail
  bool unreadable = false;  // `at` cannot be read: last_good's link is what is broken
  std::string what;         // "its prev link is 0x…, expected 0x…", ...
};

struct GcWalkLimits {
  size_t max_objects = 50'000'000;  // over all lists together
  // Cores of at least this many bytes are walked in segments on `threads` threads
  // (gc_segments.hpp); tests set 0 to use it on every core.
  uint64_t min_core_bytes_for_segments = uint64_t{64} << 20;
  unsigned threads = 1;
  // Polled every few thousand nodes, by every thread of the segmented walk at once (so it
  // must be safe to call concurrently); true ends the walk.
  std::function<bool()> should_stop;
  std::function<void(size_t objects)> progress;  // called at the same polls, on one thread
};

struct GcWalk {
  BigVector<uint64_t> objects;     // PyObject addresses (head + codec.size)
  BigVector<uint8_t> generation;   // parallel to objects
  std::vector<uint32_t> per_list;  // objects found on each list
  std::vector<GcListBreak> breaks;
  bool truncated = false;       // stopped at max_objects
  bool timed_out = false;       // stopped because should_stop() said so
  size_t lists_not_walked = 0;  // lists never started because of a limit
  bool next_only = false;       // some list was walked through next links only
  size_t segments = 0;          // segments walked (gc_segments.hpp); 0: the ordinary walk
  std::vector<std::string> notes;
};

GcWalk walk_gc_lists(const Memory& memory, const GcHeadCodec& codec,
                     const std::vector<GcList>& lists, const GcWalkLimits& limits);

}  // namespace pycore::heap
