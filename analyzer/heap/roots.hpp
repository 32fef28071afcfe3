// Objects the interpreter and its threads hold from outside the heap: the modules dict, sys
// and builtins dicts, each thread's dict and exception state, the frames being executed.
// They explain a refcount with no referrer in the heap, so they are never leak candidates.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pycore/heap/memory.hpp"
#include "pycore/layout/layout.hpp"
#include "referents.hpp"

namespace pycore::heap {

struct RootSet {
  std::vector<uint64_t> objects;  // addresses (unchecked; may include untracked objects)
  std::vector<std::string> notes;
};

// `known` lets the scan of 3.11+ frame data stacks keep only words that are objects.
RootSet collect_roots(const Memory& memory, const layout::Layout& layout,
                      const std::vector<uint64_t>& interpreters, const KnownObjects& known);

}  // namespace pycore::heap
