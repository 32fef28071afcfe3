// A thread inside a sub-interpreter: both interpreters are found, and the thread's two
// thread states give one stack (sub-interpreter frames inside the thread's own frames),
// merged with the native stack without disagreement.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "corpus_support.hpp"
#include "interpreters.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;
namespace fs = std::filesystem;

TEST_CASE("sub-interpreters: all interpreters, one stack per thread", "[subinterp]") {
  fs::path base = fs::temp_directory_path() / ("pycore-subinterp-" + std::to_string(getpid()));
  int cores = 0;
  for (const auto& interp : test::find_interpreters()) {
    std::string dir = (base / interp.label).string();
    std::string core = test::make_core(interp.path, PYCORE_SUBINTERP_SCENARIO, dir);
    if (core.empty() || !test::read_json(dir + "/truth.json").is_object()) {
      WARN(interp.label << ": no sub-interpreter core (no _testcapi, or Python 2)");
      continue;
    }
    INFO(interp.label);
    auto loaded = test::load_core(core, interp.path);
    REQUIRE(loaded->error.empty());
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, {});
    ++cores;
    CHECK(result.interpreters == 2);
    auto worker = std::find_if(result.threads.begin(), result.threads.end(),
                               [](const report::ThreadInfo& t) { return t.name == "sub-worker"; });
    REQUIRE(worker != result.threads.end());
    std::vector<std::string> functions;
    for (const auto& f : worker->python_frames) functions.push_back(f.function);
    std::vector<std::string> want = {"sub_sleep", "<module>",         "worker",
                                     "run",       "_bootstrap_inner", "_bootstrap"};
    CHECK(functions == want);
    int merged = 0;
    for (const auto& n : worker->native_frames) merged += n.python_frames_here;
    CHECK(merged == static_cast<int>(worker->python_frames.size()));
    for (const auto& w : result.warnings) CHECK(w.find("evaluator") == std::string::npos);
  }
  std::error_code ec;
  fs::remove_all(base, ec);
  CHECK(cores > 0);
}
