// The CPython interpreters installed on this machine, for tests that run them.
#pragma once

#include <string>
#include <vector>

namespace pycore::test {

struct Interpreter {
  std::string path;
  std::string label;  // "3.11.7", "python3.11d"
};

// $PYCORE_TEST_PYTHONS (colon-separated) when set; else pyenv's 3.x versions and
// /usr/bin/python3.N[d].
std::vector<Interpreter> find_interpreters();

// Runs a command and returns its stdout (stderr passes through); empty on failure.
std::string run_command(const std::string& command);

}  // namespace pycore::test

namespace pycore::test {

// Runs `interpreter script.py DIR/truth.json` in DIR until it crashes and returns the path
// of its core (DIR/core), or an empty string. Uses the kernel's dump when core_pattern is
// a plain file name, else gdb's generate-core-file at the fatal signal.
std::string make_core(const std::string& interpreter, const std::string& script,
                      const std::string& dir);

}  // namespace pycore::test
