#include "support.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
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

size_t for_each_core(const std::vector<std::string>& scenarios,
                     const std::function<void(const CorpusEntry&, LoadedCore&)>& f) {
  auto manifest = read_manifest(corpus_dir());
  if (!manifest) {
    FAIL("no corpus manifest in " << corpus_dir() << " (run the corpus fixture)");
    return 0;
  }
  size_t seen = 0;
  for (const auto& e : *manifest) {
    if (std::find(scenarios.begin(), scenarios.end(), e.scenario) == scenarios.end()) continue;
    if (e.status != "ok") continue;
    INFO(e.interpreter << " " << e.scenario);
    auto loaded = load_core(e.core, e.executable);
    CHECK(loaded->error == "");
    if (!loaded->error.empty()) continue;
    ++seen;
    f(e, *loaded);
  }
  return seen;
}

}  // namespace pycore::test
