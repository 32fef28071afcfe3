// The process's memory as one sorted table of regions: the core's dumped bytes first, then
// the pages of trusted module files for the parts the kernel did not dump.
#include "pycore/target/address_space.hpp"

#include <algorithm>

#include "bytes.hpp"

namespace pycore::target {
AddressSpace AddressSpace::build(const CoreFile& core, const Modules& modules) {
  AddressSpace as;
  if (!core.file) return as;
  as.files_.push_back(core.file);
  auto core_bytes = core.file->bytes();
  std::vector<std::shared_ptr<const MappedFile>> used_files;

  auto add_region = [&](uint64_t start, uint64_t end, Origin origin, bool writable,
                        const std::byte* data) {
    if (end > start)
      as.regions_.push_back(Region{start, end, origin, writable, {data, end - start}});
  };
  auto add_hole = [&](uint64_t start, uint64_t end, Fault fault) {
    if (end > start) as.holes_.push_back(Hole{start, end, fault});
  };

  // Bytes for [start, end) from the files mapped there; the rest is a kNotDumped hole.
  auto fill_from_files = [&](uint64_t start, uint64_t end, bool writable) {
    uint64_t cursor = start;
    auto it = std::upper_bound(core.mappings.begin(), core.mappings.end(), start,
                               [](uint64_t a, const FileMapping& m) { return a < m.start; });
    if (it != core.mappings.begin()) --it;
    for (; it != core.mappings.end() && it->start < end && cursor < end; ++it) {
      const FileMapping& m = *it;
      if (m.end <= cursor) continue;
      uint64_t from = std::max(cursor, m.start);
      uint64_t to = std::min(end, m.end);
      add_hole(cursor, from, Fault::kNotDumped);
      cursor = from;
      int module = modules.index_of(m.start);
      if (module < 0 || modules.list()[module].name != m.path) continue;
      auto file = modules.trusted_file(module);
      if (!file) continue;
      uint64_t file_offset = 0;
      if (__builtin_add_overflow(m.file_offset, from - m.start, &file_offset)) continue;
      // Pages past the end of the file are not backed by it (SIGBUS in the process).
      auto bytes = detail::clamp_slice(file->bytes(), file_offset, to - from);
      if (bytes.empty()) continue;
      add_region(from, from + bytes.size(), Origin::kFile, writable, bytes.data());
      cursor = from + bytes.size();
      if (used_files.empty() || used_files.back() != file) used_files.push_back(file);
    }
    add_hole(cursor, end, Fault::kNotDumped);
  };

  uint64_t covered = 0;  // segments are sorted by vaddr; an overlapping one loses
  for (const Segment& seg : core.segments) {
    uint64_t end = seg.vaddr + seg.memsz;  // load_core rejected wrapping segments
    uint64_t start = std::max(seg.vaddr, covered);
    if (start >= end) continue;
    bool writable = (seg.flags & 2) != 0;  // PF_W
    uint64_t dumped_end = seg.vaddr + seg.available;
    uint64_t file_end = seg.vaddr + seg.filesz;
    if (start < dumped_end) {
      add_region(start, dumped_end, Origin::kCore, writable,
                 core_bytes.data() + seg.offset + (start - seg.vaddr));
    }
    add_hole(std::max(start, dumped_end), file_end, Fault::kTruncated);
    if (std::max(start, file_end) < end) fill_from_files(std::max(start, file_end), end, writable);
    covered = end;
  }
  // gdb's gcore writes no program header at all for untouched read-only file mappings
  // (libpython's .rodata with its tp_name strings): fill what NT_FILE names and no
  // segment covers.
  // The mappings are sorted by start; a damaged NT_FILE may make them overlap, and an
  // address filled twice would make two regions overlap (find() then misses the first).
  uint64_t filled = 0;
  for (const FileMapping& m : core.mappings) {
    uint64_t cursor = std::max(m.start, filled);
    if (cursor >= m.end) continue;
    filled = m.end;
    auto seg = std::upper_bound(core.segments.begin(), core.segments.end(), m.start,
                                [](uint64_t a, const Segment& sg) { return a < sg.vaddr; });
    if (seg != core.segments.begin()) --seg;
    for (; seg != core.segments.end() && seg->vaddr < m.end && cursor < m.end; ++seg) {
      if (seg->vaddr + seg->memsz <= cursor) continue;
      if (seg->vaddr > cursor) fill_from_files(cursor, seg->vaddr, false);
      cursor = std::max(cursor, seg->vaddr + seg->memsz);
    }
    if (cursor < m.end) fill_from_files(cursor, m.end, false);
  }
  auto by_start = [](const auto& a, const auto& b) { return a.start < b.start; };
  std::sort(as.regions_.begin(), as.regions_.end(), by_start);
  std::sort(as.holes_.begin(), as.holes_.end(), by_start);
  for (auto& f : used_files) as.files_.push_back(std::move(f));
  return as;
}

const Region* AddressSpace::find(uint64_t address) const noexcept {
  auto it = std::upper_bound(regions_.begin(), regions_.end(), address,
                             [](uint64_t a, const Region& r) { return a < r.start; });
  if (it == regions_.begin()) return nullptr;
  --it;
  return address < it->end ? &*it : nullptr;
}

ReadResult AddressSpace::read(uint64_t address, void* out, size_t len) const noexcept {
  ReadResult result;
  if (len == 0) return result;
  const Region* first = find(address);
  if (first != nullptr && len <= first->end - address) {  // the common case: one region
    std::memcpy(out, first->bytes.data() + (address - first->start), len);
    result.origin = first->origin;
    return result;
  }
  // Check the whole run of adjacent regions before copying, so that a failed read leaves
  // `out` untouched.
  const Region* r = first;
  uint64_t cursor = address;
  size_t remaining = len;
  while (true) {
    if (r == nullptr || r == regions_.data() + regions_.size() ||
        (r != first && r->start != cursor)) {
      result.fault = Fault::kUnmapped;
      result.failed_at = cursor;
      auto hole = std::upper_bound(holes_.begin(), holes_.end(), cursor,
                                   [](uint64_t a, const Hole& h) { return a < h.start; });
      if (hole != holes_.begin() && cursor < std::prev(hole)->end) {
        result.fault = std::prev(hole)->fault;
      }
      return result;
    }
    uint64_t n = std::min<uint64_t>(remaining, r->end - cursor);
    remaining -= n;
    if (remaining == 0) break;
    cursor += n;
    ++r;
  }
  auto* dst = static_cast<std::byte*>(out);
  cursor = address;
  for (r = first; len > 0; ++r) {
    uint64_t n = std::min<uint64_t>(len, r->end - cursor);
    std::memcpy(dst, r->bytes.data() + (cursor - r->start), n);
    if (r->origin == Origin::kFile) result.origin = Origin::kFile;
    dst += n;
    len -= n;
    cursor += n;
  }
  return result;
}

std::span<const std::byte> AddressSpace::view(uint64_t address, size_t len) const noexcept {
  const Region* r = find(address);
  if (r == nullptr || len > r->end - address) return {};
  return r->bytes.subspan(address - r->start, len);
}

std::optional<std::string> AddressSpace::cstring(uint64_t address, size_t max_len) const {
  std::string out;
  const Region* r = find(address);
  while (r != nullptr && out.size() < max_len) {
    uint64_t n = std::min<uint64_t>(max_len - out.size(), r->end - address);
    auto* p = reinterpret_cast<const char*>(r->bytes.data() + (address - r->start));
    if (auto* nul = static_cast<const char*>(std::memchr(p, 0, n))) {
      out.append(p, nul);
      return out;
    }
    out.append(p, n);
    address += n;
    ++r;
    if (r == regions_.data() + regions_.size() || r->start != address) return std::nullopt;
  }
  return std::nullopt;
}

bool AddressSpace::readable(uint64_t address, size_t len) const noexcept {
  const Region* r = find(address);
  while (r != nullptr) {
    uint64_t n = r->end - address;
    if (len <= n) return true;
    len -= n;
    address += n;
    ++r;
    if (r == regions_.data() + regions_.size() || r->start != address) return false;
  }
  return false;
}

}  // namespace pycore::target
