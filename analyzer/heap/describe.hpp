// Words for findings: how an object, a parent and a slot read in a report.
// Formatting happens only for the few objects a finding names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph.hpp"
#include "pycore/heap/memory.hpp"
#include "pycore/python/objects.hpp"
#include "pycore/report/model.hpp"
#include "referents.hpp"
#include "types.hpp"

namespace pycore::heap {

struct Describer {
  const Memory& memory;
  const python::ObjectReader& reader;
  const TypeTable& types;
  const ObjectGraph& graph;
  const VisitContext& visit;

  // "[3]", "['key']", ".attr", "__dict__['x']", "+0x18 (conservative)"
  std::string slot_text(const Slot& slot) const;
  // Type name of a graph object, or of whatever is at `address` ("?" when unreadable).
  std::string type_name(uint32_t object) const;
  std::string type_name_at(uint64_t address) const;
  // "<Victim object at 0x7f...>"
  std::string object_text(uint64_t address, const std::string& type) const;
  report::ObjectRef object_ref(uint32_t object) const;
  report::ObjectRef object_ref_at(uint64_t address) const;
  // The parents entries for `parent` holding `target` (one per slot that holds it).
  std::vector<report::ParentRef> parent_refs(uint32_t parent, uint64_t target) const;
  // "list 0x7f... [0]"
  static std::string parent_text(const report::ParentRef& p);
};

}  // namespace pycore::heap
