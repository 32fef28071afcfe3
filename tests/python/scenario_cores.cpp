#include "scenario_cores.hpp"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "corpus_support.hpp"

namespace pycore::test {

std::vector<ScenarioResult> analyse_scenario(const std::string& script,
                                             const std::string& why_no_core) {
  namespace fs = std::filesystem;
  fs::path base = fs::temp_directory_path() /
                  ("pycore-" + fs::path(script).stem().string() + "-" + std::to_string(getpid()));
  std::vector<ScenarioResult> out;
  for (const auto& interp : find_interpreters()) {
    std::string dir = (base / interp.label).string();
    std::string core = make_core(interp.path, script, dir);
    if (core.empty() || !read_json(dir + "/truth.json").is_object()) {
      WARN(interp.label << ": no core (" << why_no_core << ")");
      continue;
    }
    INFO(interp.label);
    auto loaded = load_core(core, interp.path);
    REQUIRE(loaded->error.empty());
    out.push_back({interp, python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                                  *loaded->layout, loaded->native, {})});
  }
  std::error_code ec;
  fs::remove_all(base, ec);
  return out;
}

}  // namespace pycore::test
