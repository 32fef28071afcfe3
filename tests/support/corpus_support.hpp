// Loading corpus cores through the real target and layout stages, for integration tests.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"

namespace pycore::test {

struct LoadedCore {
  std::optional<target::CoreFile> core;
  std::optional<target::Modules> modules;
  target::AddressSpace memory;
  std::vector<target::NativeThread> native;
  std::optional<layout::Layout> layout;
  std::string error;  // empty when everything loaded
};

// Loads a core with the given executable (empty: found from the core).
std::unique_ptr<LoadedCore> load_core(const std::string& core_path, const std::string& executable,
                                      size_t max_native_frames = 1024);

struct CorpusEntry {
  std::string interpreter;  // "pyenv-3.11.7"
  std::string scenario;
  std::string status;  // "ok" | "skipped" | "failed"
  std::string reason;
  std::string core;
  std::string truth_path;
  std::string executable;
  std::string version;
  bool debug = false;
};

// $PYCORE_CORPUS_DIR when set, else the build tree's corpus directory.
std::string corpus_dir();
// The manifest's entries; nullopt when there is no readable manifest.
std::optional<std::vector<CorpusEntry>> read_manifest(const std::string& dir);
nlohmann::json read_json(const std::string& path);
std::string basename(const std::string& path);

}  // namespace pycore::test
