// Interpreters and thread states from the runtime roots (cpython-internals.md §1.2, §8).
#include "pycore/python/runtime.hpp"

#include <unordered_set>

#include "objects_internal.hpp"
#include "pycore/python/repr.hpp"

namespace pycore::python {

using layout::F;

namespace {

// Reads a pointer stored at `address` (a static variable or a struct member).
std::optional<uint64_t> pointer_at(const ObjectReader& r, uint64_t address) {
  if (address == 0) return std::nullopt;
  return r.memory().u64(address);
}

std::optional<uint64_t> runtime_field_addr(const ObjectReader& r, F f) {
  uint64_t runtime = r.layout().roots.runtime;
  if (runtime == 0 || !r.layout().has(f)) return std::nullopt;
  return runtime + static_cast<uint64_t>(r.layout().off(f));
}

// The first interpreter of the list: 3.6's `interp_head` static, else
// _PyRuntime.interpreters.head.
std::optional<uint64_t> interpreter_head(const ObjectReader& r,
                                         std::vector<std::string>& warnings) {
  const layout::Roots& roots = r.layout().roots;
  if (r.layout().models.roots == layout::RuntimeRoots::kStatics36) {
    if (auto head = pointer_at(r, roots.interp_head_symbol)) return head;
    // Without .symtab the static is unknown: reach the interpreter through the current
    // thread state (NULL when the crashing thread had released the GIL).
    if (auto tstate = pointer_at(r, roots.tstate_current_symbol); tstate && *tstate)
      if (auto interp = detail::read_u64(r, *tstate, F::tstate_interp)) {
        warnings.push_back(
            "interp_head unknown; found the interpreter through "
            "_PyThreadState_Current (subinterpreters may be missed)");
        return interp;
      }
    warnings.push_back(
        "cannot find the interpreter list: interp_head and "
        "_PyThreadState_Current unavailable");
    return std::nullopt;
  }
  auto at = runtime_field_addr(r, F::runtime_interpreters_head);
  if (!at) {
    warnings.push_back("cannot find _PyRuntime.interpreters.head");
    return std::nullopt;
  }
  auto head = pointer_at(r, *at);
  if (!head) warnings.push_back("_PyRuntime.interpreters.head is unreadable");
  return head;
}

GilInfo read_gil_struct(const ObjectReader& r, uint64_t gil) {
  GilInfo info;
  info.address = gil;
  auto locked = detail::read_i32(r, gil, F::gil_locked);
  auto holder = detail::read_u64(r, gil, F::gil_last_holder);
  if (!locked || !holder) return info;
  info.known = true;
  info.locked = *locked == 1;
  info.last_holder = *holder;
  return info;
}

GilInfo read_gil(const ObjectReader& r, uint64_t interp) {
  const layout::Roots& roots = r.layout().roots;
  switch (r.layout().models.gil) {
    case layout::GilLocation::kStatics36: {
      GilInfo info;
      auto locked = roots.gil_locked ? r.memory().i32(roots.gil_locked) : std::nullopt;
      auto holder = pointer_at(r, roots.gil_last_holder);
      if (!locked || !holder) return info;
      info.known = true;
      info.locked = *locked == 1;  // -1: the GIL was never created (no threads)
      info.last_holder = *holder;
      return info;
    }
    case layout::GilLocation::kRuntime:
      if (auto gil = runtime_field_addr(r, F::runtime_ceval_gil)) return read_gil_struct(r, *gil);
      return {};
    case layout::GilLocation::kInterpreterPointer:
      // interp->ceval.gil points at the GIL this interpreter uses (maybe the main one's).
      if (auto gil = detail::read_u64(r, interp, F::interp_ceval_gil_ptr); gil && *gil)
        return read_gil_struct(r, *gil);
      return {};
  }
  return {};
}

// Address of the _gc_runtime_state used by `interp` (0 for 3.6, whose state is statics).
uint64_t gc_state_address(const ObjectReader& r, uint64_t interp) {
  switch (r.layout().models.gc_state) {
    case layout::GcStateLocation::kStatics36:
      return 0;
    case layout::GcStateLocation::kRuntime:
      return runtime_field_addr(r, F::runtime_gc).value_or(0);
    case layout::GcStateLocation::kInterpreter:
      return detail::field_addr(r, interp, F::interp_gc).value_or(0);
  }
  return 0;
}

bool gc_collecting(const ObjectReader& r, uint64_t gc_state) {
  if (r.layout().models.gc_state == layout::GcStateLocation::kStatics36) {
    uint64_t flag = r.layout().roots.gc_collecting;
    return flag != 0 && r.memory().i32(flag).value_or(0) != 0;
  }
  return gc_state != 0 && detail::read_i32(r, gc_state, F::gcstate_collecting).value_or(0) != 0;
}

ThreadStateInfo read_thread_state(const ObjectReader& r, uint64_t tstate) {
  ThreadStateInfo t;
  t.address = tstate;
  t.interpreter = detail::read_u64(r, tstate, F::tstate_interp).value_or(0);
  t.thread_id = detail::read_u64(r, tstate, F::tstate_thread_id).value_or(0);
  if (auto native = detail::read_u64(r, tstate, F::tstate_native_thread_id))
    t.native_id = static_cast<int64_t>(*native);
  if (auto id = detail::read_i64(r, tstate, F::tstate_id)) t.id = *id;
  return t;
}

void read_threads(const ObjectReader& r, InterpreterInfo& interp, const RuntimeLimits& limits,
                  std::vector<std::string>& warnings) {
  auto head = detail::read_u64(r, interp.address, F::interp_threads_head);
  if (!head) {
    warnings.push_back("thread list of interpreter " + hex_address(interp.address) +
                       " is unreadable");
    return;
  }
  std::unordered_set<uint64_t> seen;
  for (uint64_t tstate = *head; tstate != 0;) {
    if (!seen.insert(tstate).second) {
      warnings.push_back("thread-state list of interpreter " + std::to_string(interp.id) +
                         " loops back to " + hex_address(tstate));
      break;
    }
    if (interp.threads.size() >= limits.max_threads) {
      interp.threads_truncated = true;
      warnings.push_back("more than " + std::to_string(limits.max_threads) +
                         " thread states; the rest are not shown");
      break;
    }
    interp.threads.push_back(read_thread_state(r, tstate));
    auto next = detail::read_u64(r, tstate, F::tstate_next);
    if (!next) {
      warnings.push_back("thread state " + hex_address(tstate) + " is unreadable; list cut short");
      break;
    }
    tstate = *next;
  }
}

}  // namespace

RuntimeInfo read_runtime(const ObjectReader& r, const RuntimeLimits& limits) {
  RuntimeInfo out;
  const layout::Layout& L = r.layout();
  // Runtime finalization: 3.6 _Py_Finalizing, else _PyRuntime.(_)finalizing (a tstate).
  std::optional<uint64_t> fin;
  if (L.models.roots == layout::RuntimeRoots::kStatics36) {
    fin = pointer_at(r, L.roots.finalizing);
  } else if (auto at = runtime_field_addr(r, F::runtime_finalizing)) {
    fin = pointer_at(r, *at);
  }
  out.finalizing_tstate = fin.value_or(0);
  out.runtime_finalizing = out.finalizing_tstate != 0;

  auto head = interpreter_head(r, out.warnings);
  std::unordered_set<uint64_t> seen;
  for (uint64_t interp = head.value_or(0); interp != 0;) {
    if (!seen.insert(interp).second) {
      out.warnings.push_back("interpreter list loops back to " + hex_address(interp));
      break;
    }
    if (out.interpreters.size() >= limits.max_interpreters) {
      out.warnings.push_back("more than " + std::to_string(limits.max_interpreters) +
                             " interpreters; the rest are not shown");
      break;
    }
    InterpreterInfo info;
    info.address = interp;
    info.id = detail::read_i64(r, interp, F::interp_id).value_or(0);
    info.finalizing = detail::read_i32(r, interp, F::interp_finalizing).value_or(0) != 0;
    info.modules = detail::read_u64(r, interp, F::interp_modules).value_or(0);
    info.sysdict = detail::read_u64(r, interp, F::interp_sysdict).value_or(0);
    info.builtins = detail::read_u64(r, interp, F::interp_builtins).value_or(0);
    info.gc_state = gc_state_address(r, interp);
    info.gc_collecting = gc_collecting(r, info.gc_state);
    info.gil = read_gil(r, interp);
    read_threads(r, info, limits, out.warnings);
    out.interpreters.push_back(std::move(info));
    auto next = detail::read_u64(r, interp, F::interp_next);
    if (!next) {
      out.warnings.push_back("interpreter " + hex_address(interp) +
                             " is unreadable; list cut short");
      break;
    }
    interp = *next;
  }
  return out;
}

}  // namespace pycore::python
