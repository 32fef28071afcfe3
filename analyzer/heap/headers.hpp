// The header pass of the graph build: every tracked object's refcount and type, its
// allocation size tallied by type and generation, and the header checks (bad type, freed,
// bad refcount), on several threads over contiguous ranges of object numbers.
#pragma once

#include <cstddef>

#include "graph_build.hpp"

namespace pycore::heap {

// Fills g.type and the refcounts of objects [0, g.gc_count), flags kHeaderUnreadable,
// out.header_problems (ascending object order), out.by_type and out.by_generation.
// Returns how many objects, from number 0 on, were examined: fewer than g.gc_count only
// when options.should_stop fired.
size_t read_headers(const BuildInputs& in, ObjectGraph& g, BuildResult& out,
                    const BuildOptions& options);

// Counts one object of `type` and `generation` taking `bytes` (inline: the header pass
// calls it for every object).
inline void tally(BuildResult& out, uint32_t type, uint8_t generation, uint64_t bytes) {
  if (out.by_type.size() <= type) out.by_type.resize(type + 1);
  ++out.by_type[type].objects;
  out.by_type[type].bytes += bytes;
  if (generation < out.by_generation.size()) {
    ++out.by_generation[generation].objects;
    out.by_generation[generation].bytes += bytes;
  }
}

}  // namespace pycore::heap
