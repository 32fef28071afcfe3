// Test support for the heap stage: synthetic memory for unit tests. Corpus cores come
// from the shared tests/support library.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "corpus_support.hpp"
#include "pycore/target/address_space.hpp"

namespace pycore::test {

// A few regions of writable fake memory, each at a chosen address.
class FakeMemory {
 public:
  // Adds [start, start + size) filled with zeros; returns a pointer to write through.
  std::byte* add(uint64_t start, size_t size);
  void put64(uint64_t address, uint64_t value);
  void put32(uint64_t address, uint32_t value);
  const std::vector<target::Region>& regions();

 private:
  struct Block {
    uint64_t start;
    std::vector<std::byte> bytes;
  };
  std::vector<std::unique_ptr<Block>> blocks_;
  std::vector<target::Region> regions_;
};

// Calls f(entry, core) for every corpus entry of `scenarios` whose core loads, and says how
// many; a failed entry or a core that does not load fails the test.
size_t for_each_core(const std::vector<std::string>& scenarios,
                     const std::function<void(const CorpusEntry&, LoadedCore&)>& f);

}  // namespace pycore::test
