#include <algorithm>
#include <cstring>

#include "core_internal.hpp"

namespace pycore::target::detail {
namespace {

// The segment whose dumped bytes hold `address`, or null.
const Segment* segment_at(const CoreFile& core, uint64_t address) {
  auto it = std::upper_bound(core.segments.begin(), core.segments.end(), address,
                             [](uint64_t a, const Segment& s) { return a < s.vaddr; });
  if (it == core.segments.begin()) return nullptr;
  --it;
  if (address - it->vaddr >= it->available) return nullptr;
  return &*it;
}

}  // namespace

bool read_core_memory(const CoreFile& core, uint64_t address, void* out, size_t len) noexcept {
  auto bytes = core.file->bytes();
  auto* dst = static_cast<std::byte*>(out);
  while (len > 0) {
    const Segment* seg = segment_at(core, address);
    if (seg == nullptr) return false;
    uint64_t skip = address - seg->vaddr;
    uint64_t n = std::min<uint64_t>(len, seg->available - skip);
    // available was clamped to the file when the segment was read.
    std::memcpy(dst, bytes.data() + seg->offset + skip, n);
    dst += n;
    len -= n;
    address += n;
  }
  return true;
}

std::optional<std::string> read_core_cstring(const CoreFile& core, uint64_t address,
                                             size_t max_len) {
  std::string out;
  auto bytes = core.file->bytes();
  while (out.size() < max_len) {
    const Segment* seg = segment_at(core, address);
    if (seg == nullptr) return std::nullopt;
    uint64_t skip = address - seg->vaddr;
    uint64_t n = std::min<uint64_t>(max_len - out.size(), seg->available - skip);
    auto* p = reinterpret_cast<const char*>(bytes.data() + seg->offset + skip);
    if (auto* nul = static_cast<const char*>(std::memchr(p, 0, n))) {
      out.append(p, nul);
      return out;
    }
    out.append(p, n);
    address += n;
  }
  return std::nullopt;
}

}  // namespace pycore::target::detail
