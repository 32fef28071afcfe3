// A scenario outside the corpus, crashed with every interpreter found and analysed by the
// python stage: for tests of one runtime situation (finalization, sub-interpreters).
#pragma once

#include <string>
#include <vector>

#include "interpreters.hpp"
#include "pycore/python/analyze.hpp"

namespace pycore::test {

struct ScenarioResult {
  Interpreter interpreter;
  python::PythonResult result;
};

// Runs `script` with every interpreter (see make_core) in a temporary directory, loads each
// core through the real target and layout stages and analyses it. An interpreter that
// gives no core is reported as a Catch2 warning with `why_no_core`; one whose core does not
// load fails the test. The temporary directory is removed.
std::vector<ScenarioResult> analyse_scenario(const std::string& script,
                                             const std::string& why_no_core);

}  // namespace pycore::test
