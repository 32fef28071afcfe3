// Native and Python stacks merged like `pystack --native`: each evaluator frame of the
// native stack is told how many Python frames it runs.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pycore/python/frames.hpp"
#include "pycore/report/model.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"

namespace pycore::python {

// Names of CPython's evaluator functions, kept as data. `names` run Python frames
// (one C call per evaluator invocation); `fallback` are the wrappers that exist only on
// some versions (PyEval_EvalFrameEx, _PyEval_EvalFrame), used when no `names` frame is
// on a thread's stack at all. Compiler suffixes (".cold", ".lto_priv.0") are ignored.
struct EvaluatorNames {
  std::vector<std::string> names = {"_PyEval_EvalFrameDefault"};
  std::vector<std::string> fallback = {"_PyEval_EvalFrame", "PyEval_EvalFrameEx",
                                       "PyEval_EvalFrame"};
};

std::vector<report::NativeFrameInfo> native_frames(const target::NativeThread& thread,
                                                   const target::Modules& modules);

// Marks evaluator frames and distributes `python.per_evaluator` over them, innermost
// first. Returns a warning when the counts disagree (then the Python frames are assigned
// only as far as both stacks agree, innermost first, and only when the native stack was
// cut short; otherwise none are assigned).
std::optional<std::string> merge_stacks(std::vector<report::NativeFrameInfo>& native,
                                        const PythonStack& python, bool native_complete,
                                        const EvaluatorNames& evaluators = {});

}  // namespace pycore::python
