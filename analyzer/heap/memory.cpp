#include "pycore/heap/memory.hpp"

#include <algorithm>

namespace pycore::heap {

const std::byte* Memory::locate(uint64_t address, size_t len) const noexcept {
  if (address + len < address) return nullptr;  // wraps around
  // First region whose end is beyond the address; regions are sorted and disjoint.
  auto it = std::upper_bound(regions_.begin(), regions_.end(), address,
                             [](uint64_t a, const target::Region& r) { return a < r.end; });
  if (it == regions_.end() || address < it->start || address + len > it->end) return nullptr;
  // A region may be shorter in bytes than in addresses (truncated core): check the span.
  uint64_t usable = std::min<uint64_t>(it->end - it->start, it->bytes.size());
  if (address - it->start + len > usable) return nullptr;
  last_ = Cached{it->start, usable, it->bytes.data()};
  recent_[(address >> kGranuleBits) & (kRecent - 1)] = last_;
  return it->bytes.data() + (address - it->start);
}

}  // namespace pycore::heap
