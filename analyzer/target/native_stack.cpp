// Native backtraces: libdwfl unwinds each thread of the core from CFI.
#include "pycore/target/native_stack.hpp"

#include <algorithm>

#include "modules_impl.hpp"

namespace pycore::target {
namespace {

constexpr unsigned kDwarfRsp = 7;  // x86-64 DWARF register number of rsp

struct FrameWalk {
  const Modules* modules;
  size_t max_frames;
  NativeThread* thread;
};

NativeFrame describe(const Modules& modules, uint64_t pc, bool activation) {
  NativeFrame frame;
  frame.pc = pc;
  frame.activation = activation;
  // A caller's pc is a return address, which may already be past the end of its function
  // (a call to a noreturn function); pc - 1 is inside the call instruction.
  uint64_t lookup = activation || pc == 0 ? pc : pc - 1;
  frame.module = modules.index_of(lookup);
  if (auto sym = modules.symbolize(lookup)) {
    frame.function = std::move(sym->name);
    frame.offset = pc - sym->address;
  }
  return frame;
}

int on_frame(Dwfl_Frame* state, void* arg) {
  auto& walk = *static_cast<FrameWalk*>(arg);
  if (walk.thread->frames.size() >= walk.max_frames) {
    walk.thread->truncated = true;
    return DWARF_CB_ABORT;
  }
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(state, &pc, &activation)) {
    walk.thread->error = detail::dwfl_error();
    return DWARF_CB_ABORT;
  }
  NativeFrame frame = describe(*walk.modules, pc, activation);
  Dwarf_Word sp = 0;
  if (dwfl_frame_reg(state, kDwarfRsp, &sp) == 0) frame.cfa = sp;
  walk.thread->frames.push_back(std::move(frame));
  return DWARF_CB_OK;
}

struct ThreadWalk {
  const Modules* modules;
  size_t max_frames;
  std::vector<NativeThread>* threads;
};

int on_thread(Dwfl_Thread* thread, void* arg) {
  auto& walk = *static_cast<ThreadWalk*>(arg);
  NativeThread result;
  result.tid = dwfl_thread_tid(thread);
  FrameWalk frames{walk.modules, walk.max_frames, &result};
  int rc = dwfl_thread_getframes(thread, on_frame, &frames);
  if (rc == -1 && result.error.empty()) result.error = detail::dwfl_error();
  walk.threads->push_back(std::move(result));
  return DWARF_CB_OK;
}

}  // namespace

std::vector<NativeThread> unwind_all_threads(const CoreFile& core, const Modules& modules,
                                             size_t max_frames) {
  auto& impl = modules.impl();
  if (!impl.attach_tried) {
    impl.attach_tried = true;
    if (dwfl_core_file_attach(impl.dwfl, impl.core_elf) < 0) {
      impl.attach_error =
          std::string("cannot attach to the core's threads: ") + detail::dwfl_error();
    }
  }
  std::vector<NativeThread> unwound;
  if (impl.attach_error.empty()) {
    ThreadWalk walk{&modules, max_frames, &unwound};
    if (dwfl_getthreads(impl.dwfl, on_thread, &walk) < 0 && unwound.empty()) {
      impl.attach_error = std::string("cannot list the core's threads: ") + detail::dwfl_error();
    }
  }

  // One entry per NT_PRSTATUS, in the core's order; a thread libdwfl could not unwind keeps
  // the pc its registers hold.
  std::vector<NativeThread> threads;
  threads.reserve(core.threads.size());
  for (const CoreThread& ct : core.threads) {
    auto it = std::find_if(unwound.begin(), unwound.end(),
                           [&](const NativeThread& t) { return t.tid == ct.tid; });
    NativeThread t;
    if (it != unwound.end()) {
      t = std::move(*it);
      unwound.erase(it);
    } else {
      t.tid = ct.tid;
      t.error = impl.attach_error.empty() ? "libdwfl did not list this thread" : impl.attach_error;
    }
    if (t.frames.empty() && max_frames > 0) {
      NativeFrame frame = describe(modules, ct.regs.rip(), true);
      frame.cfa = ct.regs.rsp();
      t.frames.push_back(std::move(frame));
    }
    threads.push_back(std::move(t));
  }
  for (auto& t : unwound) threads.push_back(std::move(t));  // not in NT_PRSTATUS: keep anyway
  return threads;
}

}  // namespace pycore::target
