#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

namespace pycore::test {

std::byte* FakeMemory::add(uint64_t start, size_t size) {
  auto b = std::make_unique<Block>();
  b->start = start;
  b->bytes.assign(size, std::byte{0});
  std::byte* p = b->bytes.data();
  blocks_.push_back(std::move(b));
  regions_.clear();
  return p;
}

void FakeMemory::put64(uint64_t address, uint64_t value) {
  for (auto& b : blocks_)
    if (address >= b->start && address + 8 <= b->start + b->bytes.size()) {
      std::memcpy(b->bytes.data() + (address - b->start), &value, 8);
      return;
    }
  throw std::out_of_range("put64 outside the fake memory");
}

void FakeMemory::put32(uint64_t address, uint32_t value) {
  for (auto& b : blocks_)
    if (address >= b->start && address + 4 <= b->start + b->bytes.size()) {
      std::memcpy(b->bytes.data() + (address - b->start), &value, 4);
      return;
    }
  throw std::out_of_range("put32 outside the fake memory");
}

const std::vector<target::Region>& FakeMemory::regions() {
  regions_.clear();
  for (auto& b : blocks_) {
    target::Region r;
    r.start = b->start;
    r.end = b->start + b->bytes.size();
    r.bytes = std::span<const std::byte>(b->bytes.data(), b->bytes.size());
    r.writable = true;
    regions_.push_back(r);
  }
  std::sort(regions_.begin(), regions_.end(),
            [](const target::Region& a, const target::Region& b) { return a.start < b.start; });
  return regions_;
}

}  // namespace pycore::test
