// gdb's backtrace of a core's crashing thread, as the reference for native frames.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pycore::target::testing {

// One physical frame of gdb's `bt`: the line with an address and the inlined callers gdb
// prints after it without one. names: innermost first; "??" when gdb has no name.
struct GdbFrame {
  std::optional<uint64_t> pc;  // absent for frame #0 when gdb omits it
  std::vector<std::string> names;
};

std::vector<GdbFrame> parse_gdb_backtrace(const std::string& output);

// Runs `gdb -batch -nx -ex bt EXE CORE` (debuginfod off), remembering the output in
// `cache_dir` keyed by the core's path, size and time, so reruns cost nothing.
std::string run_gdb_backtrace(const std::string& exe, const std::string& core,
                              const std::string& cache_dir);

}  // namespace pycore::target::testing
