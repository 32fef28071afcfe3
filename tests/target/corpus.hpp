// The corpus the CTest fixture generates: DIR/manifest.json and the cores it lists.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pycore::target::testing {

struct CorpusInterpreter {
  std::string id;
  std::string executable;
  std::string version;
};

struct CorpusEntry {
  std::string interpreter;
  std::string scenario;
  std::string status;  // "ok", "skipped", "failed"
  std::string reason;
  std::string core;
  std::string truth;
  std::string method;  // "ulimit", "gdb", "gcore"
};

struct Corpus {
  std::vector<CorpusInterpreter> interpreters;
  std::vector<CorpusEntry> entries;
  const CorpusInterpreter* interpreter(const std::string& id) const;
};

// nullopt when the manifest is missing or unreadable.
std::optional<Corpus> read_corpus(const std::string& dir, std::string* error);

// The truth file's crashed_tid and signal, when the scenario crashed.
struct Truth {
  std::optional<int> crashed_tid;
  std::optional<int> signal;
  std::vector<int> tids;
};
Truth read_truth(const std::string& path);

}  // namespace pycore::target::testing
