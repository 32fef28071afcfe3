// The corpus that corpus/generate writes: DIR/manifest.json, its interpreters and entries.
// One reader for every test that walks the corpus.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace pycore::test {

struct CorpusEntry {
  std::string interpreter;  // "pyenv-3.11.7"
  std::string scenario;
  std::string status;  // "ok" | "skipped" | "failed"
  std::string reason;
  std::string core;
  std::string truth_path;
  std::string method;  // how the core was made: "ulimit", "gdb", "gcore"
  std::string executable;
  std::string version;
  bool debug = false;
  nlohmann::json truth;  // filled by readers that want it (load_truth); null otherwise
};

// $PYCORE_CORPUS_DIR when set, else the build tree's corpus directory.
std::string corpus_dir();
// The manifest's entries; nullopt when there is no readable manifest.
std::optional<std::vector<CorpusEntry>> read_manifest(const std::string& dir);
// Reads the entry's truth.json into entry.truth (null when unreadable).
void load_truth(CorpusEntry& entry);
// A JSON file; null when missing or not JSON.
nlohmann::json read_json(const std::string& path);
std::string basename(const std::string& path);

}  // namespace pycore::test
