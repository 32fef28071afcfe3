// Runtime state flags on a crash during finalization: runtime finalizing, the GC's
// collecting flag, the GIL holder.
#include <catch2/catch.hpp>

#include "scenario_cores.hpp"

using namespace pycore;

TEST_CASE("a crash in __del__ during finalization", "[finalizing]") {
  auto runs = test::analyse_scenario(PYCORE_FINALIZING_SCENARIO, "the scenario did not crash");
  for (const auto& [interp, result] : runs) {
    INFO(interp.label);
    CHECK(result.runtime_finalizing);
    REQUIRE(!result.threads.empty());
    const auto& t = result.threads[0];
    CHECK(t.crashed);
    CHECK(t.holds_gil);
    CHECK(t.finalizing);
    CHECK(t.gc_collecting);
    REQUIRE(t.python_frames.size() == 2);
    CHECK(t.python_frames[0].function == "string_at");
    CHECK(t.python_frames[1].function == "__del__");
    CHECK(t.python_frames[1].line == 11);
  }
  CHECK(!runs.empty());
}
