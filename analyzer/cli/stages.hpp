// The python and heap stages as the pipeline sees them: each fills its part of the report.
#pragma once

#include <vector>

#include "options.hpp"
#include "pycore/layout/layout.hpp"
#include "pycore/report/model.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"

namespace pycore::cli {

struct StageInputs {
  const target::CoreFile& core;
  const target::Modules& modules;
  const target::AddressSpace& memory;
  const std::vector<target::NativeThread>& native;
  const Options& options;
};

// Threads with native frames only, for cores where no Python runtime could be read.
std::vector<report::ThreadInfo> native_only_threads(const StageInputs& in);
void fill_python(report::Report& r, const StageInputs& in, const layout::Layout& layout);
// Returns true when an error-severity finding was made.
bool fill_heap(report::Report& r, const StageInputs& in, const layout::Layout& layout);

}  // namespace pycore::cli
