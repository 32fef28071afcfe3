// Native backtraces of every thread, unwound by libdwfl from CFI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"

namespace pycore::target {

struct NativeFrame {
  uint64_t pc = 0;          // as unwound (return address for callers)
  bool activation = false;  // pc is exact (innermost frame or a signal frame)
  std::string function;     // demangled symbol, empty when unknown
  uint64_t offset = 0;      // pc - symbol start; the symbol is looked up at pc-1 for callers
                            // (like gdb), since a return address may lie past its function
  int module = -1;          // index into Modules::list(), -1 when outside every module
  uint64_t cfa = 0;         // stack pointer value of the frame, when known (0 otherwise)
};

struct NativeThread {
  int32_t tid = 0;
  std::vector<NativeFrame> frames;  // innermost first
  std::string error;                // why unwinding stopped early, empty when it ended cleanly
  bool truncated = false;           // stopped at the frame limit
};

// One entry per NT_PRSTATUS thread, in the core's order (the first took the signal); a
// thread libdwfl cannot unwind keeps one frame, its registers' pc, and says why in `error`.
std::vector<NativeThread> unwind_all_threads(const CoreFile& core, const Modules& modules,
                                             size_t max_frames = 256);

}  // namespace pycore::target
