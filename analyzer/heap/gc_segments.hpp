// The GC list walk for big heaps: many pointer chases in flight instead of two.
//
// A list walk is a chain of dependent cache and TLB misses. Here the lists are cut into
// segments at "split points", nodes found by probing the core's memory at random for heads
// whose neighbours link back to them, and every segment is followed from its start until
// it reaches another start (a list head or a split point). Each thread keeps several
// segments going round-robin and prefetches each one's next node, so their misses overlap.
// The segments are then stitched from each list head in list order. A probe that is not
// really on one of our lists only makes a segment no head reaches, which is dropped.
//
// This is an accelerator for walk_gc_lists, not a second walker: when anything is unusual
// (a list being collected, a broken or unreadable link, a segment reached twice, a limit)
// it gives up and the caller walks the lists with the ordinary walker, whose findings and
// notes are the reference.
#pragma once

#include <vector>

#include "pycore/heap/gc_lists.hpp"

namespace pycore::heap {

// Fills out.objects, out.generation and out.per_list exactly as the ordinary walk of
// intact lists would, and says true; says false and leaves `out` as it was otherwise.
bool walk_gc_segments(const Memory& memory, const GcHeadCodec& codec,
                      const std::vector<GcList>& lists, const GcWalkLimits& limits, GcWalk& out);

}  // namespace pycore::heap
