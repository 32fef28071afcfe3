// Runtime state flags on a crash during finalization: runtime finalizing, the GC's
// collecting flag, the GIL holder.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "corpus_support.hpp"
#include "interpreters.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;
namespace fs = std::filesystem;

TEST_CASE("a crash in __del__ during finalization", "[finalizing]") {
  fs::path base = fs::temp_directory_path() / ("pycore-final-" + std::to_string(getpid()));
  int cores = 0;
  for (const auto& interp : test::find_interpreters()) {
    std::string dir = (base / interp.label).string();
    std::string core = test::make_core(interp.path, PYCORE_FINALIZING_SCENARIO, dir);
    if (core.empty() || !test::read_json(dir + "/truth.json").is_object()) {
      WARN(interp.label << ": no core");
      continue;
    }
    INFO(interp.label);
    auto loaded = test::load_core(core, interp.path);
    REQUIRE(loaded->error.empty());
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, {});
    ++cores;
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
  std::error_code ec;
  fs::remove_all(base, ec);
  CHECK(cores > 0);
}
