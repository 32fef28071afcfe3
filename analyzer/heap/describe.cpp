#include "describe.hpp"

#include <fmt/format.h>

#include "graph_sinks.hpp"
#include "pycore/python/repr.hpp"

namespace pycore::heap {

namespace {

std::string key_repr(const Memory& memory, const python::ObjectReader& reader, uint64_t key_slot) {
  if (key_slot == 0) return "?";
  auto key = memory.u64(key_slot);
  if (!key || *key == 0) return "?";
  python::ReprOptions o;
  o.max_depth = 1;
  o.max_items = 4;
  o.max_str_chars = 48;
  o.max_chars = 64;
  return python::safe_repr(reader, *key, o);
}

}  // namespace

std::string Describer::slot_text(const Slot& s) const {
  switch (s.kind) {
    case SlotKind::kItem:
      return fmt::format("[{}]", s.index);
    case SlotKind::kSetItem:
      return "{element}";
    case SlotKind::kDictKey:
      return fmt::format("key {}", key_repr(memory, reader, s.aux));
    case SlotKind::kDictValue:
      return fmt::format("[{}]", key_repr(memory, reader, s.aux));
    case SlotKind::kAttrValue:
      return fmt::format("__dict__[{}]", key_repr(memory, reader, s.aux));
    case SlotKind::kField:
      return fmt::format(".{}", s.name ? s.name : "?");
    case SlotKind::kMember:
      return s.index < types.members().size() ? "." + types.members()[s.index].name : ".?";
    case SlotKind::kLocal:
      return fmt::format("localsplus[{}]", s.index);
    case SlotKind::kType:
      return ".__class__";
    case SlotKind::kConservative:
      return fmt::format("+{:#x} (conservative)", s.index);
  }
  return "?";
}

std::string Describer::type_name(uint32_t object) const {
  if (object >= graph.type.size()) return "?";
  return types[graph.type[object]].name;
}

std::string Describer::type_name_at(uint64_t address) const {
  uint32_t i = graph.index.find(address);
  if (i != kNoObject) return type_name(i);
  auto tp = memory.u64(address + static_cast<uint64_t>(visit.off.type));
  if (!tp) return "?";
  uint32_t ti = types.find(*tp);
  if (ti != UINT32_MAX) return types[ti].name;
  auto info = reader.type_info(*tp);
  return info->valid ? info->name : "?";
}

std::string Describer::object_text(uint64_t address, const std::string& type) const {
  return fmt::format("<{} object at {:#x}>", type, address);
}

report::ObjectRef Describer::object_ref(uint32_t object) const {
  report::ObjectRef r;
  r.address = graph.address[object];
  r.type = type_name(object);
  r.refcount = graph.refcount(object);
  return r;
}

report::ObjectRef Describer::object_ref_at(uint64_t address) const {
  uint32_t i = graph.index.find(address);
  if (i != kNoObject) return object_ref(i);
  report::ObjectRef r;
  r.address = address;
  r.type = type_name_at(address);
  if (auto rc = memory.i64(address + static_cast<uint64_t>(visit.off.refcnt))) r.refcount = *rc;
  return r;
}

std::vector<report::ParentRef> Describer::parent_refs(uint32_t parent, uint64_t target) const {
  std::vector<report::ParentRef> out;
  SlotSink sink(target);
  visit_referents(visit, graph.address[parent], types[graph.type[parent]], sink);
  for (const auto& f : sink.found) {
    report::ParentRef p;
    p.address = graph.address[parent];
    p.type = type_name(parent);
    p.slot = slot_text(f.slot);
    p.conservative = f.conservative;
    out.push_back(std::move(p));
  }
  return out;
}

std::string Describer::parent_text(const report::ParentRef& p) {
  return fmt::format("{} {:#x} {}", p.type, p.address, p.slot);
}

}  // namespace pycore::heap
