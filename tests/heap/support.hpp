// Test support for the heap stage: synthetic memory for unit tests, corpus cores loaded
// through the real target and layout stages for integration tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

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

struct LoadedCore {
  std::optional<target::CoreFile> core;
  std::optional<target::Modules> modules;
  target::AddressSpace memory;
  std::optional<layout::Layout> layout;
  std::string error;
};
std::unique_ptr<LoadedCore> load_core(const std::string& core, const std::string& executable);

struct CorpusEntry {
  std::string interpreter, scenario, status, reason, core, truth, executable;
  bool debug = false;
};
std::string corpus_dir();  // $PYCORE_CORPUS_DIR, else the build tree's
std::optional<std::vector<CorpusEntry>> read_manifest(const std::string& dir);
nlohmann::json read_json(const std::string& path);

}  // namespace pycore::test
