#include "stages.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "progress_line.hpp"
#include "pycore/heap/analyze.hpp"
#include "pycore/python/analyze.hpp"
#include "source_lines.hpp"

namespace pycore::cli {

report::NativeFrameInfo to_report(const target::NativeFrame& f, const target::Modules& mods) {
  report::NativeFrameInfo n;
  n.address = f.pc;
  n.function = f.function;
  n.offset = f.offset;
  if (f.module >= 0 && static_cast<size_t>(f.module) < mods.list().size())
    n.module = mods.list()[f.module].name;
  return n;
}

std::vector<report::ThreadInfo> native_only_threads(const StageInputs& in) {
  std::vector<report::ThreadInfo> threads;
  // gcore snapshots carry SIGSTOP (or nothing): no thread crashed.
  const bool crashed = in.core.signal && in.core.signal->signo != 0 && in.core.signal->signo != 19;
  for (size_t i = 0; i < in.native.size(); ++i) {
    report::ThreadInfo t;
    t.tid = in.native[i].tid;
    t.crashed = crashed && !in.core.threads.empty() && in.core.threads.front().tid == t.tid;
    for (const auto& f : in.native[i].frames) t.native_frames.push_back(to_report(f, in.modules));
    t.unwind_error = in.native[i].error;
    threads.push_back(std::move(t));
  }
  return threads;
}

// Exception tracebacks show their source lines as Python prints them; the chain is
// already bounded by the python stage, the depth guard only protects this walk.
static void add_source_lines(report::ExceptionInfo& e, SourceLines& sources, int depth) {
  if (depth > 64) return;
  for (auto& t : e.traceback)
    if (t.line) t.source_line = sources.line(t.file, *t.line);
  if (e.context) add_source_lines(*e.context, sources, depth + 1);
  if (e.cause) add_source_lines(*e.cause, sources, depth + 1);
}

void fill_python(report::Report& r, const StageInputs& in, const layout::Layout& layout) {
  r.python.version = layout.build.version_string;
  r.python.build = layout.build.debug ? "debug" : "release";
  r.python.free_threaded = layout.build.free_threaded;
  r.python.layout_source = std::string(layout::to_string(layout.main_source()));
  r.python.identified_by = layout.build.identified_by;
  if (layout.build.python_module >= 0 &&
      static_cast<size_t>(layout.build.python_module) < in.modules.list().size()) {
    r.python.library = in.modules.list()[layout.build.python_module].name;
    for (auto& m : r.modules)
      if (m.path == r.python.library) m.interpreter = true;
  }
  python::PythonOptions po;
  po.locals = in.options.locals || in.options.format != Format::kText;
  auto result = python::analyze_python(in.core, in.memory, in.modules, layout, in.native, po);
  r.threads = std::move(result.threads);
  for (auto& w : result.warnings) r.warnings.push_back(std::move(w));
  SourceLines sources(in.options.sysroot);
  for (auto& t : r.threads) {
    for (auto& f : t.python_frames)
      if (f.line) f.source_line = sources.line(f.file, *f.line);
    for (auto& e : t.exceptions) add_source_lines(e, sources, 0);
  }
}

bool fill_heap(report::Report& r, const StageInputs& in, const layout::Layout& layout) {
  heap::HeapOptions ho;
  ho.max_objects = in.options.max_objects;
  ho.timeout_seconds = in.options.timeout_seconds;
  std::optional<ProgressLine> line;
  if (in.options.progress) {
    // Test-only: the line appears after a second, longer than any corpus core takes; the
    // tests shorten the wait to see it on ordinary cores.
    std::chrono::milliseconds delay = std::chrono::seconds(1);
    if (const char* ms = std::getenv("PYCORE_TEST_PROGRESS_DELAY_MS"))
      delay = std::chrono::milliseconds(std::atoi(ms));
    line.emplace(stderr, delay);
    ho.progress = [&line](const heap::HeapProgress& p) { line->update(p); };
  }
  auto result = heap::analyze_heap(in.memory, layout, ho);
  line.reset();  // erased before anything is printed
  r.gc = std::move(result.summary);
  r.findings = std::move(result.findings);
  r.heap_headline = std::move(result.headline);
  for (auto& w : result.warnings) r.warnings.push_back(std::move(w));
  return std::any_of(r.findings.begin(), r.findings.end(),
                     [](const auto& f) { return f.severity == "error"; });
}

}  // namespace pycore::cli
