#include "pycore/python/merge.hpp"

#include <algorithm>
#include <numeric>

namespace pycore::python {

namespace {

std::string_view base_name(std::string_view function) {
  return function.substr(0, function.find('.'));
}

bool listed(std::string_view function, const std::vector<std::string>& names) {
  std::string_view base = base_name(function);
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return n == base; });
}

}  // namespace

std::vector<report::NativeFrameInfo> native_frames(const target::NativeThread& thread,
                                                   const target::Modules& modules) {
  std::vector<report::NativeFrameInfo> out;
  out.reserve(thread.frames.size());
  const auto& list = modules.list();
  for (const target::NativeFrame& f : thread.frames) {
    report::NativeFrameInfo info;
    info.address = f.pc;
    info.function = f.function;
    if (f.module >= 0 && static_cast<size_t>(f.module) < list.size()) {
      info.module = list[static_cast<size_t>(f.module)].name;
      info.offset = f.function.empty() ? f.pc - list[static_cast<size_t>(f.module)].low : f.offset;
    } else {
      info.offset = f.offset;
    }
    out.push_back(std::move(info));
  }
  return out;
}

std::optional<std::string> merge_stacks(std::vector<report::NativeFrameInfo>& native,
                                        const PythonStack& python, bool native_complete,
                                        const EvaluatorNames& evaluators) {
  std::vector<size_t> eval;
  for (size_t i = 0; i < native.size(); ++i)
    if (listed(native[i].function, evaluators.names)) eval.push_back(i);
  if (eval.empty()) {
    for (size_t i = 0; i < native.size(); ++i)
      if (listed(native[i].function, evaluators.fallback)) eval.push_back(i);
  }
  for (size_t i : eval) native[i].is_evaluator = true;
  const auto& groups = python.per_evaluator;
  if (eval.size() == groups.size()) {
    for (size_t k = 0; k < eval.size(); ++k) native[eval[k]].python_frames_here = groups[k];
    return std::nullopt;
  }
  if (eval.empty() && python.frames.empty()) return std::nullopt;
  std::string warning = "native stack has " + std::to_string(eval.size()) +
                        " evaluator frames but the Python stack has " +
                        std::to_string(groups.size()) + " evaluator runs (" +
                        std::to_string(python.frames.size()) + " frames)";
  // A native stack cut short (frame limit, unwinding error) still lines up from the
  // innermost frame; anything else is a disagreement we cannot resolve.
  if (!native_complete && eval.size() < groups.size()) {
    for (size_t k = 0; k < eval.size(); ++k) native[eval[k]].python_frames_here = groups[k];
    warning += "; native stack incomplete, merged the innermost " + std::to_string(eval.size());
  } else {
    warning += "; not merged";
  }
  return warning;
}

}  // namespace pycore::python
