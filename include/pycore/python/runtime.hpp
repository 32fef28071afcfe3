// The interpreter runtime of the crashed process: interpreters, their thread states, the
// GIL, the GC's collecting flag and finalization. Every list walk is bounded and guarded
// against cycles; what cannot be read is reported in `warnings`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pycore/python/objects.hpp"

namespace pycore::python {

struct ThreadStateInfo {
  uint64_t address = 0;
  uint64_t interpreter = 0;
  uint64_t thread_id = 0;            // pthread_self() of the thread (tstate->thread_id)
  std::optional<int64_t> native_id;  // LWP id (tstate->native_thread_id, 3.11+)
  std::optional<int64_t> id;         // tstate->id (3.7+)
};

struct GilInfo {
  bool known = false;        // the GIL state could be read
  bool locked = false;       // someone holds it
  uint64_t last_holder = 0;  // PyThreadState*; the holder when locked
  uint64_t address = 0;      // the _gil_runtime_state (0 for 3.6's statics)
};

struct InterpreterInfo {
  uint64_t address = 0;
  int64_t id = 0;
  std::vector<ThreadStateInfo> threads;  // head first (newest thread first, like CPython)
  bool threads_truncated = false;
  bool finalizing = false;     // interp->finalizing (3.8+)
  bool gc_collecting = false;  // the GC state this interpreter uses is mid-collection
  GilInfo gil;                 // the GIL this interpreter runs under
  uint64_t modules = 0;        // sys.modules dict
  uint64_t sysdict = 0;
  uint64_t builtins = 0;
  uint64_t gc_state = 0;  // address of its _gc_runtime_state (0: 3.6 statics)
};

struct RuntimeInfo {
  std::vector<InterpreterInfo> interpreters;  // main interpreter last (CPython's list order)
  bool runtime_finalizing = false;            // Py_FinalizeEx in progress
  uint64_t finalizing_tstate = 0;
  std::vector<std::string> warnings;
};

struct RuntimeLimits {
  size_t max_interpreters = 256;
  size_t max_threads = 4096;  // per interpreter
};

RuntimeInfo read_runtime(const ObjectReader& reader, const RuntimeLimits& limits = {});

}  // namespace pycore::python
