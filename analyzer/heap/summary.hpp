// Heap summary: tracked objects and bytes by type and by generation.
#pragma once

#include "graph_build.hpp"
#include "pycore/report/model.hpp"
#include "types.hpp"

namespace pycore::heap {

// The `max_types` largest types by bytes are listed; the rest are folded into one row.
report::GcSummary summarize(const BuildResult& built, const TypeTable& types,
                            size_t max_types = 100);

}  // namespace pycore::heap
