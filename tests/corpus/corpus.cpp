#include "corpus.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace pycore::test {

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

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
  std::ifstream in(dir + "/manifest.json");
  if (!in) return corpus;
  nlohmann::json manifest = nlohmann::json::parse(in);
  std::map<std::string, nlohmann::json> interpreters;
  for (const auto& i : manifest["interpreters"]) interpreters[i["id"].get<std::string>()] = i;
  for (const auto& e : manifest["entries"]) {
    std::string id = e["interpreter"].get<std::string>() + "/" + e["scenario"].get<std::string>();
    std::string status = e["status"].get<std::string>();
    if (status == "skipped") {
      corpus.skipped.push_back(id + ": " + e.value("reason", std::string("?")));
      continue;
    }
    if (status != "ok") {
      corpus.failed.push_back(id + ": " + e.value("reason", std::string("?")));
      continue;
    }
    CorpusEntry entry;
    entry.interpreter = e["interpreter"];
    const auto& interp = interpreters[entry.interpreter];
    entry.executable = interp.value("executable", std::string());
    entry.version = interp.value("version", std::string());
    entry.debug = interp.value("debug", false);
    entry.scenario = e["scenario"];
    entry.core = e["core"];
    std::ifstream t(e["truth"].get<std::string>());
    if (t) entry.truth = nlohmann::json::parse(t, nullptr, false);
    corpus.ok.push_back(std::move(entry));
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
