#include "interpreters.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <regex>

namespace fs = std::filesystem;

namespace pycore::layout::testing {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

namespace {

std::string build_id_of(const std::string& path) {
  std::smatch m;
  std::string notes = run("readelf -n '" + path + "' 2>/dev/null");
  static const std::regex re("Build ID: ([0-9a-f]+)");
  return std::regex_search(notes, m, re) ? m[1].str() : "";
}

bool has_debug_info(const std::string& path) {
  return run("readelf -S -W '" + path + "' 2>/dev/null").find(".debug_info") != std::string::npos;
}

std::vector<std::string> pyenv_roots() {
  std::vector<std::string> roots;
  if (const char* r = std::getenv("PYENV_ROOT")) roots.push_back(r);
  if (const char* h = std::getenv("HOME")) roots.push_back(std::string(h) + "/.pyenv");
  roots.push_back("/root/.pyenv");
  return roots;
}

}  // namespace

std::vector<Interpreter> find_interpreters() {
  std::vector<Interpreter> found;
  std::vector<std::string> seen;
  static const std::regex version_re(R"((\d+)\.(\d+)\.(\d+))");
  for (const std::string& root : pyenv_roots()) {
    std::error_code ec;
    fs::path versions = fs::path(root) / "versions";
    if (!fs::is_directory(versions, ec)) continue;
    std::string real = fs::canonical(versions, ec).string();
    if (std::find(seen.begin(), seen.end(), real) != seen.end()) continue;
    seen.push_back(real);
    for (const auto& dir : fs::directory_iterator(versions, ec)) {
      std::string v = dir.path().filename().string();
      std::smatch m;
      if (!std::regex_match(v, m, version_re) || m[1] != "3") continue;
      Interpreter i;
      i.name = "pyenv " + v;
      i.version = v;
      i.minor = std::stoi(m[2]);
      i.abi = "release";
      for (const auto& f : fs::directory_iterator(dir.path() / "lib", ec)) {
        std::string n = f.path().filename().string();
        if (n.starts_with("libpython3") && n.ends_with(".so.1.0")) i.dwarf_file = f.path().string();
      }
      found.push_back(i);
    }
  }
  std::error_code ec;
  for (const auto& f : fs::directory_iterator("/usr/bin", ec)) {
    std::string n = f.path().filename().string();
    static const std::regex debian_re(R"(python3\.(\d+)(d?))");
    std::smatch m;
    if (!std::regex_match(n, m, debian_re)) continue;
    Interpreter i;
    i.name = "debian " + n;
    i.minor = std::stoi(m[1]);
    i.abi = m[2] == "d" ? "debug" : "release";
    std::string version =
        run("'" + f.path().string() +
            "' -c 'import platform; print(platform.python_version())' 2>/dev/null");
    while (!version.empty() && (version.back() == '\n' || version.back() == '\r'))
      version.pop_back();
    i.version = version;
    std::string exe = f.path().string();
    if (has_debug_info(exe)) {
      i.dwarf_file = exe;
    } else if (std::string id = build_id_of(exe); id.size() > 2) {
      std::string dbg =
          "/usr/lib/debug/.build-id/" + id.substr(0, 2) + "/" + id.substr(2) + ".debug";
      if (fs::exists(dbg, ec)) i.dwarf_file = dbg;
    }
    found.push_back(i);
  }
  std::sort(found.begin(), found.end(), [](const Interpreter& a, const Interpreter& b) {
    return a.minor != b.minor ? a.minor < b.minor : a.name < b.name;
  });
  return found;
}

}  // namespace pycore::layout::testing
