#include "interpreters.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace pycore::test {

namespace fs = std::filesystem;

namespace {

// "3." then digits, and `more` further ".digits" groups (no std::regex: GCC 12 warns
// inside <regex> under the sanitizer build).
bool is_version(std::string_view s, int more) {
  if (s.substr(0, 2) != "3.") return false;
  s.remove_prefix(2);
  for (int group = 0; group <= more; ++group) {
    size_t digits = 0;
    while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
    if (digits == 0) return false;
    s.remove_prefix(digits);
    if (group < more) {
      if (s.empty() || s[0] != '.') return false;
      s.remove_prefix(1);
    }
  }
  return s.empty();
}

}  // namespace

std::vector<Interpreter> find_interpreters() {
  std::vector<Interpreter> out;
  if (const char* env = std::getenv("PYCORE_TEST_PYTHONS")) {
    std::string list = env;
    size_t start = 0;
    while (start <= list.size()) {
      size_t end = list.find(':', start);
      if (end == std::string::npos) end = list.size();
      std::string path = list.substr(start, end - start);
      if (!path.empty()) out.push_back({path, fs::path(path).filename().string()});
      start = end + 1;
    }
    return out;
  }
  std::string pyenv = std::getenv("PYENV_ROOT") ? std::getenv("PYENV_ROOT") : "/root/.pyenv";
  std::error_code ec;
  std::vector<Interpreter> found;
  for (const auto& entry : fs::directory_iterator(pyenv + "/versions", ec)) {
    std::string version = entry.path().filename().string();
    if (!is_version(version, 1)) continue;
    fs::path python = entry.path() / "bin" / "python";
    if (fs::exists(python)) found.push_back({python.string(), version});
  }
  for (const auto& entry : fs::directory_iterator("/usr/bin", ec)) {
    std::string name = entry.path().filename().string();
    std::string_view v(name);
    if (v.substr(0, 6) != "python") continue;
    v.remove_prefix(6);
    if (!v.empty() && v.back() == 'd') v.remove_suffix(1);
    if (is_version(v, 0)) found.push_back({entry.path().string(), name});
  }
  std::sort(found.begin(), found.end(),
            [](const Interpreter& a, const Interpreter& b) { return a.path < b.path; });
  return found;
}

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  if (pclose(pipe) != 0) return {};
  return out;
}

}  // namespace pycore::test

namespace pycore::test {

namespace {

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string core_pattern() {
  FILE* f = std::fopen("/proc/sys/kernel/core_pattern", "r");
  if (!f) return {};
  char buf[256] = {};
  size_t n = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  std::string s(buf, n);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string make_core(const std::string& interpreter, const std::string& script,
                      const std::string& dir) {
  fs::create_directories(dir);
  std::string core = dir + "/core";
  std::string truth = dir + "/truth.json";
  std::error_code ec;
  fs::remove(core, ec);
  std::string pattern = core_pattern();
  if (pattern == "core" || pattern == "core.%p") {
    std::string command =
        "cd " + quote(dir) + " && bash -c " +
        quote("ulimit -c unlimited; exec " + interpreter + " " + script + " " + truth) +
        " >/dev/null 2>&1";
    (void)std::system(command.c_str());
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (name.rfind("core", 0) == 0 && name != "core" && name.find('.') != std::string::npos) {
        fs::rename(entry.path(), core, ec);
        break;
      }
    }
    if (fs::exists(core)) return core;
  }
  std::string command = "cd " + quote(dir) +
                        " && gdb -batch -nx -q -iex 'set auto-load off' "
                        "-ex 'set pagination off' -ex run -ex " +
                        quote("generate-core-file " + core) + " -ex kill --args " + interpreter +
                        " " + script + " " + truth + " >/dev/null 2>&1";
  (void)std::system(command.c_str());
  return fs::exists(core) ? core : std::string();
}

}  // namespace pycore::test
