// analyze_python: runtime -> thread states -> frames, exceptions, names -> merged stacks.
#include "pycore/python/analyze.hpp"

#include <unordered_map>

#include "pycore/python/threads.hpp"

namespace pycore::python {

namespace {

// Native functions of a running collection (any version), to pin the GC on a thread.
bool runs_gc(const report::ThreadInfo& t) {
  for (const auto& f : t.native_frames) {
    std::string_view name(f.function);
    name = name.substr(0, name.find('.'));
    if (name == "gc_collect_main" || name == "collect" || name == "collect_with_callback" ||
        name == "collect_generations" || name == "gc_collect_internal")
      return true;
  }
  return false;
}

// The signal's thread is the first NT_PRSTATUS when the core has NT_SIGINFO, unless the
// core is a snapshot: gcore records the SIGSTOP (or SIGTRAP) of its ptrace attach with no
// signal pending in NT_PRSTATUS, where the kernel's dump of a crash sets pr_cursig.
bool is_crash(const target::CoreFile& core) {
  constexpr int kSigTrap = 5, kSigStop = 19;
  if (!core.signal || core.signal->signo == 0 || core.threads.empty()) return false;
  bool attach_stop = core.signal->signo == kSigStop || core.signal->signo == kSigTrap;
  return !attach_stop || core.threads[0].pending_signal != 0;
}

report::ThreadInfo core_thread_info(const target::CoreThread& ct,
                                    const std::vector<target::NativeThread>& native,
                                    const target::Modules& modules,
                                    const target::NativeThread*& nt) {
  report::ThreadInfo info;
  info.tid = ct.tid;
  nt = nullptr;
  for (const auto& n : native)
    if (n.tid == ct.tid) nt = &n;
  if (nt) {
    info.native_frames = native_frames(*nt, modules);
    info.unwind_error = nt->error;
  }
  return info;
}

}  // namespace

PythonResult analyze_python(const target::CoreFile& core, const target::AddressSpace& memory,
                            const target::Modules& modules, const layout::Layout& layout,
                            const std::vector<target::NativeThread>& native,
                            const PythonOptions& options) {
  PythonResult result;
  ObjectReader reader(memory, layout, options.read);
  FrameOptions frame_options;
  frame_options.locals = options.locals;
  frame_options.repr = options.repr;
  frame_options.max_frames = options.max_frames;
  frame_options.max_locals = options.max_locals;
  FrameReader frames(reader, frame_options);
  ExceptionOptions exc_options;
  exc_options.max_chain_depth = options.max_chain_depth;
  exc_options.max_traceback = options.max_frames;
  exc_options.repr = options.repr;
  ExceptionReader exceptions(reader, frames, exc_options);

  RuntimeInfo runtime = read_runtime(reader, options.runtime);
  result.warnings = runtime.warnings;
  result.runtime_finalizing = runtime.runtime_finalizing;
  result.interpreters = runtime.interpreters.size();
  if (runtime.runtime_finalizing)
    result.warnings.push_back("the runtime was finalizing (Py_FinalizeEx in progress)");

  for (const InterpreterInfo& interp : runtime.interpreters)
    if (interp.finalizing)
      result.warnings.push_back("interpreter " + std::to_string(interp.id) + " was finalizing");

  // One ThreadInfo per core thread, in the core's order.
  std::vector<report::ThreadInfo> threads;
  std::vector<const target::NativeThread*> natives;
  for (const auto& ct : core.threads) {
    const target::NativeThread* nt = nullptr;
    threads.push_back(core_thread_info(ct, native, modules, nt));
    natives.push_back(nt);
  }
  if (is_crash(core)) threads[0].crashed = true;

  // A thread that entered sub-interpreters has one thread state per interpreter. The
  // interpreter list runs newest first, and a thread enters newer interpreters from older
  // ones, so each further thread state of a thread holds frames *outside* the ones seen.
  std::vector<report::ThreadInfo> orphans;  // thread states without a core thread
  orphans.reserve(64);
  std::vector<PythonStack> stacks(threads.size());
  std::vector<PythonStack> orphan_stacks;
  for (const InterpreterInfo& interp : runtime.interpreters) {
    auto names = thread_names(reader, interp.modules);
    for (const ThreadStateInfo& ts : interp.threads) {
      auto index = core_thread_for(ts, core);
      report::ThreadInfo* info = nullptr;
      PythonStack* combined = nullptr;
      if (index) {
        info = &threads[*index];
        combined = &stacks[*index];
      } else {
        if (orphans.size() == orphans.capacity()) continue;  // keeps pointers stable
        orphans.emplace_back();
        orphan_stacks.emplace_back();
        info = &orphans.back();
        combined = &orphan_stacks.back();
        info->tid = ts.native_id.value_or(0);
        result.warnings.push_back("thread state " + hex_address(ts.address) +
                                  " matches no thread of the core (thread exited?)");
      }
      bool innermost = info->thread_state == 0;
      if (innermost) {
        info->thread_state = ts.address;
        info->interpreter_id = interp.id;
      }
      // The outermost interpreter's threading module knows the name the program gave.
      if (auto n = names.find(ts.thread_id); n != names.end()) info->name = n->second;
      bool holds = interp.gil.known && interp.gil.locked && interp.gil.last_holder == ts.address;
      info->holds_gil = info->holds_gil || holds;
      // The finalizing thread: the runtime names it; an interpreter's own flag (3.8+) has
      // no thread, so the thread holding that interpreter's GIL is the one running it.
      info->finalizing = info->finalizing ||
                         (runtime.runtime_finalizing && runtime.finalizing_tstate == ts.address) ||
                         (interp.finalizing && holds);
      info->gc_collecting =
          info->gc_collecting || (interp.gc_collecting && (holds || runs_gc(*info)));
      PythonStack stack = frames.thread_stack(ts.address);
      for (const auto& w : stack.warnings)
        result.warnings.push_back("thread " + std::to_string(info->tid) + ": " + w);
      if (stack.truncated)
        result.warnings.push_back("thread " + std::to_string(info->tid) + ": more than " +
                                  std::to_string(options.max_frames) + " Python frames; cut");
      for (auto& f : stack.frames) combined->frames.push_back(std::move(f));
      combined->per_evaluator.insert(combined->per_evaluator.end(), stack.per_evaluator.begin(),
                                     stack.per_evaluator.end());
      combined->truncated = combined->truncated || stack.truncated;
      for (auto& e : exceptions.thread_exceptions(ts.address))
        info->exceptions.push_back(std::move(e));
    }
  }
  auto finish = [&](report::ThreadInfo& info, PythonStack& stack, const target::NativeThread* nt) {
    if (info.thread_state == 0) return;
    if (auto w = merge_stacks(info.native_frames, stack, nt && nt->error.empty() && !nt->truncated,
                              options.evaluators))
      result.warnings.push_back("thread " + std::to_string(info.tid) + ": " + *w);
    info.python_frames = std::move(stack.frames);
    if (info.python_frames.empty()) {
      for (auto& e : info.exceptions)
        if (e.state == "handled")
          e.note = "handled exception still set on an idle thread (no Python frames)";
    }
  };
  for (size_t i = 0; i < threads.size(); ++i) finish(threads[i], stacks[i], natives[i]);
  for (size_t i = 0; i < orphans.size(); ++i) finish(orphans[i], orphan_stacks[i], nullptr);

  // Crashing thread first, then the core's order, then orphans.
  for (auto& t : threads)
    if (t.crashed) result.threads.push_back(std::move(t));
  for (auto& t : threads)
    if (!t.crashed) result.threads.push_back(std::move(t));
  for (auto& t : orphans) result.threads.push_back(std::move(t));
  return result;
}

}  // namespace pycore::python
