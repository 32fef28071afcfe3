// A thread inside a sub-interpreter: both interpreters are found, and the thread's two
// thread states give one stack (sub-interpreter frames inside the thread's own frames),
// merged with the native stack without disagreement.
#include <catch2/catch.hpp>

#include "scenario_cores.hpp"

using namespace pycore;

TEST_CASE("sub-interpreters: all interpreters, one stack per thread", "[subinterp]") {
  auto runs = test::analyse_scenario(PYCORE_SUBINTERP_SCENARIO, "no _testcapi, or Python 2");
  for (const auto& [interp, result] : runs) {
    INFO(interp.label);
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
  CHECK(!runs.empty());
}
