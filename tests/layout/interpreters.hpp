// The CPython installations on this machine, for tests that compare layout sources.
#pragma once

#include <string>
#include <vector>

namespace pycore::layout::testing {

struct Interpreter {
  std::string name;     // "pyenv 3.11.7", "debian python3.11d"
  std::string version;  // "3.11.7"
  int minor = 0;
  std::string abi;         // "release" or "debug" (table naming)
  std::string dwarf_file;  // the file holding its DWARF; empty when none was found
};

// pyenv versions 3.x (libpython with DWARF) and Debian's /usr/bin/python3.N[d] (DWARF in the
// executable or in /usr/lib/debug/.build-id). 2.x is left out.
std::vector<Interpreter> find_interpreters();

// Output of a shell command, empty on failure.
std::string run(const std::string& command);

}  // namespace pycore::layout::testing
