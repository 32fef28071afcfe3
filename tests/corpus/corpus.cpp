#include "corpus.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace pycore::test {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

static std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Corpus load_corpus(const std::string& dir) {
  Corpus corpus;
  auto entries = read_manifest(dir);
  if (!entries) return corpus;
  for (auto& e : *entries) {
    std::string id = e.interpreter + "/" + e.scenario;
    if (e.status == "skipped") {
      corpus.skipped.push_back(id + ": " + e.reason);
    } else if (e.status != "ok") {
      corpus.failed.push_back(id + ": " + e.reason);
    } else {
      load_truth(e);
      corpus.ok.push_back(std::move(e));
    }
  }
  return corpus;
}

const Corpus& corpus() {
  static const Corpus c = load_corpus();
  return c;
}

RunResult run_command(const std::string& command) {
  char out_path[] = "/tmp/pycore-test-out-XXXXXX";
  char err_path[] = "/tmp/pycore-test-err-XXXXXX";
  int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
  close(out_fd);
  close(err_fd);
  std::string full = command + " >" + out_path + " 2>" + err_path + " </dev/null";
  int status = std::system(full.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  unlink(out_path);
  unlink(err_path);
  return r;
}

RunResult run_analyzer(const std::vector<std::string>& args) {
  std::string cmd = shell_quote(PYCORE_ANALYZER);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  return run_command(cmd);
}

}  // namespace pycore::test
