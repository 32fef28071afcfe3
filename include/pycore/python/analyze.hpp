// The python stage's entry point: every thread of the core with its Python stack,
// exceptions and merged native stack.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/python/exceptions.hpp"
#include "pycore/python/frames.hpp"
#include "pycore/python/merge.hpp"
#include "pycore/python/repr.hpp"
#include "pycore/python/runtime.hpp"
#include "pycore/report/model.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"

namespace pycore::python {

struct PythonOptions {
  bool locals = true;           // read and repr the fast locals of every frame
  ReprOptions repr;             // budgets of each local's repr
  size_t max_frames = 4096;     // Python frames per thread
  size_t max_locals = 256;      // per frame
  size_t max_chain_depth = 16;  // exception __context__/__cause__ links
  RuntimeLimits runtime;
  EvaluatorNames evaluators;
  ReadLimits read;  // ObjectReader limits
};

struct PythonResult {
  // Every thread of the core (threads without a Python thread state too), the crashing
  // thread first, then in the core's order; thread states without a core thread last.
  std::vector<report::ThreadInfo> threads;
  bool runtime_finalizing = false;
  size_t interpreters = 0;
  std::vector<std::string> warnings;
};

PythonResult analyze_python(const target::CoreFile& core, const target::AddressSpace& memory,
                            const target::Modules& modules, const layout::Layout& layout,
                            const std::vector<target::NativeThread>& native,
                            const PythonOptions& options = {});

}  // namespace pycore::python
