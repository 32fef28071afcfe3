// Crash signatures for de-duplication, and blame: which extension to look at first.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pycore/report/model.hpp"

namespace pycore::report {

struct Signature {
  std::string text;                 // "SIGSEGV|strlen@libc|string_at@_ctypes|h@segv_deep.py"
  std::vector<std::string> frames;  // the frames used, for --explain-signature
};

// Stable across runs of the same crash: no addresses, pids, or line numbers in libraries.
Signature crash_signature(const Report& report);

// The innermost frame of the crashing thread in a module that is not the interpreter,
// libc or the loader; nullopt when every frame belongs to those.
std::optional<Blame> find_blame(const Report& report);

// Shortened names used in signatures: "_ctypes" for
// "/usr/lib/python3.11/lib-dynload/_ctypes.cpython-311-x86_64-linux-gnu.so",
// "strlen" for the CPU-specific "__strlen_evex".
std::string short_module_name(const std::string& path);
std::string normalized_function(const std::string& function);

}  // namespace pycore::report
