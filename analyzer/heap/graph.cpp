#include "graph.hpp"

#include <algorithm>
#include <bit>

namespace pycore::heap {

size_t ObjectGraph::memory_bytes() const {
  return address.size() * 8 + refcount_low_.size() * 4 + refcount_wide_.size() * 16 +
         type.size() * 4 + generation.size() + flags.size() + in_exact.size() * 4 + index.bytes();
}

}  // namespace pycore::heap
