#include "roots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <unordered_set>

namespace pycore::heap {

using layout::F;

namespace {

constexpr size_t kMaxThreads = 4096;
constexpr size_t kMaxStackItems = 4096;
constexpr size_t kMaxChunks = 1024;
constexpr uint64_t kMaxChunkBytes = uint64_t{1} << 28;
// Static types per interpreter: 200 builtin (3.12/3.13) and 10 extension (3.13) slots; the
// layout gives the array's size, this only bounds a garbage count.
constexpr uint64_t kMaxStaticTypes = 4096;

class Collector {
 public:
  Collector(const Memory& m, const layout::Layout& l, const KnownObjects& known, RootSet& out)
      : m_(m), l_(l), known_(known), out_(out) {}

  void pointer_at(uint64_t base, F f) {
    if (base == 0 || !l_.has(f)) return;
    if (auto v = m_.u64(base + static_cast<uint64_t>(l_.off(f))); v && *v)
      out_.objects.push_back(*v);
  }

  void interpreter(uint64_t interp) {
    pointer_at(interp, F::interp_modules);
    pointer_at(interp, F::interp_sysdict);
    pointer_at(interp, F::interp_builtins);
    static_types(interp, F::interp_types_builtins, F::interp_types_builtins_count);
    static_types(interp, F::interp_types_extensions, F::interp_types_extensions_count);
    if (!l_.has(F::interp_threads_head)) return;
    auto t = m_.u64(interp + static_cast<uint64_t>(l_.off(F::interp_threads_head)));
    std::unordered_set<uint64_t> seen;
    for (uint64_t ts = t.value_or(0); ts != 0 && seen.size() < kMaxThreads;) {
      if (!seen.insert(ts).second) break;
      thread(ts);
      auto next = m_.u64(ts + static_cast<uint64_t>(l_.off(F::tstate_next)));
      ts = next.value_or(0);
    }
  }

 private:
  // 3.12+: a static type's __dict__ and __subclasses__ live in the interpreter
  // (interp->types.builtins[i], 3.13 also types.for_extensions[i]); tp_dict is NULL there.
  void static_types(uint64_t interp, F array, F count) {
    if (!l_.has(array) || !l_.has(count) || !l_.has(F::static_type_state_size)) return;
    const uint64_t stride = static_cast<uint64_t>(l_.off(F::static_type_state_size));
    if (stride == 0) return;
    auto n = m_.u64(interp + static_cast<uint64_t>(l_.off(count)));
    if (!n) return;
    const uint64_t slots = l_[array].size / stride;
    const uint64_t used =
        std::min<uint64_t>({*n, slots == 0 ? kMaxStaticTypes : slots, kMaxStaticTypes});
    const uint64_t base = interp + static_cast<uint64_t>(l_.off(array));
    for (uint64_t i = 0; i < used; ++i) {
      pointer_at(base + i * stride, F::static_type_state_dict);
      pointer_at(base + i * stride, F::static_type_state_subclasses);
    }
  }

  void thread(uint64_t ts) {
    for (F f : {F::tstate_dict, F::tstate_frame, F::tstate_curexc_type, F::tstate_curexc_value,
                F::tstate_curexc_traceback, F::tstate_current_exception, F::tstate_exc_type,
                F::tstate_exc_value, F::tstate_exc_traceback})
      pointer_at(ts, f);
    if (l_.has(F::tstate_exc_state))
      stack_item(ts + static_cast<uint64_t>(l_.off(F::tstate_exc_state)));
    if (l_.has(F::tstate_exc_info) && l_.has(F::err_stackitem_previous_item)) {
      auto item = m_.u64(ts + static_cast<uint64_t>(l_.off(F::tstate_exc_info)));
      std::unordered_set<uint64_t> seen;
      for (uint64_t it = item.value_or(0); it != 0 && seen.size() < kMaxStackItems;) {
        if (!seen.insert(it).second) break;
        stack_item(it);
        it = m_.u64(it + static_cast<uint64_t>(l_.off(F::err_stackitem_previous_item))).value_or(0);
      }
    }
    if (l_.has(F::tstate_datastack_chunk)) data_stack(ts);
  }

  void stack_item(uint64_t item) {
    pointer_at(item, F::err_stackitem_exc_type);
    pointer_at(item, F::err_stackitem_exc_value);
    pointer_at(item, F::err_stackitem_exc_traceback);
  }

  // 3.11+: the thread's interpreter frames live in its data stack chunks. Rather than walk
  // the frames, every word of the chunks' used parts that is an object's address counts:
  // stale words inside a frame can only hide leak candidates, never invent errors.
  void data_stack(uint64_t ts) {
    for (F f : {F::tstate_datastack_top, F::stackchunk_previous, F::stackchunk_size,
                F::stackchunk_top, F::stackchunk_data})
      if (!l_.has(f)) return;
    const uint64_t chunk_previous = static_cast<uint64_t>(l_.off(F::stackchunk_previous));
    const uint64_t chunk_size = static_cast<uint64_t>(l_.off(F::stackchunk_size));
    const uint64_t chunk_top = static_cast<uint64_t>(l_.off(F::stackchunk_top));
    const uint64_t chunk_data = static_cast<uint64_t>(l_.off(F::stackchunk_data));
    auto chunk = m_.u64(ts + static_cast<uint64_t>(l_.off(F::tstate_datastack_chunk)));
    auto top = m_.u64(ts + static_cast<uint64_t>(l_.off(F::tstate_datastack_top)));
    size_t n = 0;
    for (uint64_t c = chunk.value_or(0); c != 0 && n < kMaxChunks; ++n) {
      auto size = m_.u64(c + chunk_size);
      if (!size || *size <= chunk_data || *size > kMaxChunkBytes) break;
      uint64_t used = *size - chunk_data;
      if (n == 0) {  // the current chunk: up to the thread's stack top
        if (top && *top >= c + chunk_data && *top <= c + *size) used = *top - c - chunk_data;
      } else if (auto saved = m_.u64(c + chunk_top); saved && *saved * 8 <= used) {
        used = *saved * 8;  // words in use when the next chunk was pushed
      }
      if (const std::byte* p = m_.at(c + chunk_data, used)) {
        for (uint64_t off = 0; off + 8 <= used; off += 8) {
          const auto v = load<uint64_t>(p + off);
          if (v != 0 && (v & 7) == 0 && known_.contains(v)) out_.objects.push_back(v);
        }
      }
      c = m_.u64(c + chunk_previous).value_or(0);
    }
  }

  const Memory& m_;
  const layout::Layout& l_;
  const KnownObjects& known_;
  RootSet& out_;
};

}  // namespace

RootSet collect_roots(const Memory& memory, const layout::Layout& layout,
                      const std::vector<uint64_t>& interpreters, const KnownObjects& known) {
  RootSet out;
  Collector c(memory, layout, known, out);
  for (uint64_t interp : interpreters) c.interpreter(interp);
  if (interpreters.empty()) out.notes.push_back("no interpreter found: roots unknown");
  return out;
}

}  // namespace pycore::heap
