#include "untracked_counts.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>

namespace pycore::heap {

UntrackedCounts::UntrackedCounts(std::span<const target::Region> regions) {
  uint64_t slots = 0;
  for (const target::Region& r : regions) {
    if (r.end <= r.start) continue;
    Span s;
    s.base = r.start & ~(kSlotBytes - 1);
    s.end = r.end;
    s.first_slot = slots;
    slots += (s.end - s.base + kSlotBytes - 1) / kSlotBytes;
    spans_.push_back(s);
  }
  if (slots == 0) return;
  // Address space only: pages never written stay unallocated.
  void* p = mmap(nullptr, slots, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    spans_.clear();  // everything goes to the map: slower, as exact
    return;
  }
  // Counted slots are dense where untracked objects live (ints and strings among the
  // containers): 2 MiB pages fault 512 times less often than 4 KiB ones.
  madvise(p, slots, MADV_HUGEPAGE);  // advisory
  slots_ = static_cast<uint8_t*>(p);
  slot_count_ = slots;
  written_.assign((slots + kSlotPage * 64 - 1) / (kSlotPage * 64), 0);
}

UntrackedCounts::~UntrackedCounts() {
  release();
}

void UntrackedCounts::release() {
  if (slots_ != nullptr) munmap(slots_, slot_count_);
  slots_ = nullptr;
  slot_count_ = 0;
  written_.clear();
  spans_.clear();
  recent_.fill(Recent{});
  overflow_.clear();
}

const UntrackedCounts::Span* UntrackedCounts::span_of(uint64_t address) const {
  auto it = std::upper_bound(spans_.begin(), spans_.end(), address,
                             [](uint64_t a, const Span& sp) { return a < sp.base; });
  if (it == spans_.begin() || address >= (--it)->end) return nullptr;
  return &*it;
}

uint64_t UntrackedCounts::slot_of(uint64_t address) {
  const uint64_t granule = address >> 20;
  Recent& r = recent_[granule & (recent_.size() - 1)];
  // A granule may hold the end of one span and the start of the next: the cached span is
  // used only when it holds the address.
  if (r.granule == granule) {
    const Span& s = spans_[r.span];
    if (address >= s.base && address < s.end) return s.first_slot + (address - s.base) / kSlotBytes;
  }
  return slot_of_uncached(address, r);
}

uint64_t UntrackedCounts::slot_of_uncached(uint64_t address, Recent& r) {
  const Span* s = span_of(address);
  if (s == nullptr) return UINT64_MAX;
  r = Recent{address >> 20, static_cast<uint32_t>(s - spans_.data())};
  return s->first_slot + (address - s->base) / kSlotBytes;
}

void UntrackedCounts::add(std::span<const uint64_t> targets) {
  std::lock_guard<std::mutex> hold(lock_);
  count(targets);
}

bool UntrackedCounts::try_add(std::span<const uint64_t> targets) {
  std::unique_lock<std::mutex> hold(lock_, std::try_to_lock);
  if (!hold.owns_lock()) return false;
  count(targets);
  return true;
}

void UntrackedCounts::count(std::span<const uint64_t> targets) {
  // Slots first, then the counts: the increments are scattered over the heap, so each
  // slot is fetched a few increments ahead (more would overrun the outstanding misses).
  constexpr size_t kAhead = 16;
  batch_slots_.resize(targets.size());
  for (size_t k = 0; k < targets.size(); ++k) batch_slots_[k] = slot_of(targets[k]);
  for (size_t k = 0; k < targets.size(); ++k) {
    if (k + kAhead < targets.size() && batch_slots_[k + kAhead] != UINT64_MAX)
      __builtin_prefetch(slots_ + batch_slots_[k + kAhead], 1);
    const uint64_t address = targets[k];
    const uint64_t slot = batch_slots_[k];
    // A slot knows its object's start to 8 bytes: a misaligned pointer (no object, but
    // counted unchecked) keeps its exact address in the map.
    if (slot == UINT64_MAX || (address & 7) != 0) {
      ++overflow_[address];
      continue;
    }
    // A page's first access is a write: reading it first would map the shared zero page,
    // and the write after that would copy it and flush the other thread's TLB (an IPI).
    if (const uint64_t page = slot / kSlotPage; (written_[page / 64] >> (page % 64) & 1) == 0) {
      written_[page / 64] |= uint64_t{1} << (page % 64);
      slots_[page * kSlotPage] = 0;  // all slots of a page never written are 0
    }
    uint8_t& v = slots_[slot];
    const uint8_t offset = offset_bits(address);
    if (v == 0)
      v = offset | 1;
    else if ((v & ~kCountMask) != offset || (v & kCountMask) == kCountMask)
      ++overflow_[address];  // a second object in the slot, or a count past 63
    else
      ++v;
  }
}

std::vector<unsigned char> UntrackedCounts::resident_pages() const {
  // Pages of slots never written hold no counts: mincore says which were.
  std::vector<unsigned char> resident((slot_count_ + kSlotPage - 1) / kSlotPage, 1);
  if (slots_ != nullptr && mincore(slots_, slot_count_, resident.data()) != 0)
    std::fill(resident.begin(), resident.end(), 1);
  return resident;
}

uint64_t UntrackedCounts::references_to(uint64_t address) const {
  uint64_t references = 0;
  if (slot_holds(address)) {
    const Span* s = span_of(address);
    references = slots_[s->first_slot + (address - s->base) / kSlotBytes] & kCountMask;
  }
  if (auto it = overflow_.find(address); it != overflow_.end()) references += it->second;
  return references;
}

bool UntrackedCounts::slot_holds(uint64_t address) const {
  if (slots_ == nullptr || (address & 7) != 0) return false;
  const Span* s = span_of(address);
  if (s == nullptr) return false;
  const uint8_t v = slots_[s->first_slot + (address - s->base) / kSlotBytes];
  return (v & ~kCountMask) == offset_bits(address);
}

}  // namespace pycore::heap
