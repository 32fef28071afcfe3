// Shared helpers for the end-to-end tests: the corpus with its truths, running the CLI.
#pragma once

#include <string>
#include <vector>

#include "manifest.hpp"

namespace pycore::test {

struct Corpus {
  std::vector<CorpusEntry> ok;
  std::vector<std::string> skipped;  // "interp/scenario: reason"
  std::vector<std::string> failed;
};

// Reads DIR/manifest.json (default PYCORE_CORPUS_DIR); an absent manifest yields an empty
// corpus.
Corpus load_corpus(const std::string& dir = PYCORE_CORPUS_DIR);

// The default corpus, loaded once per test process.
const Corpus& corpus();

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs pycore-analyze with the given arguments (shell-quoted here).
RunResult run_analyzer(const std::vector<std::string>& args);
// Runs any command line and captures its output.
RunResult run_command(const std::string& command);

std::string shell_quote(const std::string& s);

}  // namespace pycore::test
