#include "pycore/python/threads.hpp"

namespace pycore::python {

std::optional<size_t> core_thread_for(const ThreadStateInfo& tstate, const target::CoreFile& core) {
  if (tstate.native_id && *tstate.native_id != 0) {
    for (size_t i = 0; i < core.threads.size(); ++i)
      if (core.threads[i].tid == *tstate.native_id) return i;
  }
  if (tstate.thread_id != 0) {
    for (size_t i = 0; i < core.threads.size(); ++i)
      if (core.threads[i].regs.fs_base() == tstate.thread_id) return i;
  }
  return std::nullopt;
}

std::unordered_map<uint64_t, std::string> thread_names(const ObjectReader& r, uint64_t modules_dict,
                                                       size_t max_threads) {
  std::unordered_map<uint64_t, std::string> names;
  if (modules_dict == 0) return names;
  auto threading = r.dict_get(modules_dict, "threading");
  if (!threading) return names;
  auto module = r.module(threading->object);
  if (!module || module->dict.object == 0) return names;
  auto active = r.dict_get(module->dict.object, "_active");
  if (!active) return names;
  auto items = r.dict_items(active->object, max_threads);
  if (!items) return names;
  for (const DictEntry& e : items->entries) {
    auto ident = r.integer(e.key.object);
    if (!ident || ident->negative || ident->too_big) continue;
    auto value = ident->as_int64();
    auto name = r.instance_attribute(e.value.object, "_name");
    if (!value || !name) continue;
    if (auto s = r.str(name->object, 1024)) names[static_cast<uint64_t>(*value)] = s->utf8;
  }
  return names;
}

}  // namespace pycore::python
