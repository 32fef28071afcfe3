// What an object owns: the pointers that CPython's tp_traverse would visit, plus owned
// pointers that it skips because they cannot form cycles (dict keys, type names, ...).
//
// The visitor reads through Memory only, allocates nothing and hands each pointer to a
// sink together with a compact description of the slot it came from. The graph builder's
// sink keeps only the target; the report's sink formats the slot ("[3]", "['key']",
// ".attr") for the few parents it names.
//
// Exact vs conservative: for builtin types and Python classes the slots are known exactly.
// Bytes that an unmodelled C type adds are scanned for words equal to the address of an
// object we know; those edges are marked conservative and never count as evidence of an
// error.
#pragma once

#include <array>
#include <cstdint>

#include "pycore/heap/memory.hpp"
#include "pycore/layout/layout.hpp"
#include "types.hpp"

namespace pycore::heap {

enum class SlotKind : uint8_t {
  kItem,          // tuple/list [i]
  kSetItem,       // set element (i = table position)
  kDictKey,       // key of entry i
  kDictValue,     // ['key'] (aux = key object)
  kAttrValue,     // __dict__['key'] held by the instance itself (aux = key object)
  kField,         // .name (name = static text)
  kMember,        // __slots__ member (i = index into TypeTable::members())
  kLocal,         // frame local / stack slot (i = index into localsplus)
  kType,          // ob_type: instances of heap types own their type
  kConservative,  // a word at byte offset i that equals a known object's address
};

struct Slot {
  SlotKind kind = SlotKind::kField;
  uint32_t index = 0;
  uint64_t aux = 0;
  const char* name = nullptr;  // kField: static text such as "__dict__"
};

// Offsets the visitor uses, resolved once from the layout (-1 when absent).
struct Offsets {
  explicit Offsets(const layout::Layout& l);
  int64_t refcnt, type, ob_size, object_size, gc_head;
  int64_t tuple_item, list_item;
  int64_t dict_keys, dict_values;
  int64_t dk_size, dk_log2_size, dk_log2_index_bytes, dk_kind, dk_nentries, dk_indices;
  int64_t dk_entry_size, dk_unicode_entry_size;
  int64_t values_values, values_capacity, values_valid, values_embedded;
  int64_t set_mask, set_table, setentry_size;
  int64_t cell_ref, method_func, method_self, cfunction_self, cfunction_module, module_dict,
      module_name;
  int64_t func[13];
  int64_t descr[3];  // d_type, d_name, d_qualname
  int64_t weakref_callback;
  int64_t type_flags, type_dict, type_mro, type_bases, type_base, type_subclasses;
  int64_t ht_name, ht_qualname, ht_slots, ht_module;
  int64_t frame_back, frame_code, frame_globals, frame_locals, frame_localsplus, frame_exc_type,
      frame_frame, frame_frame_data;
  int64_t iframe_func, iframe_code, iframe_locals, iframe_localsplus, iframe_stacktop, iframe_owner;
  int64_t code_nlocals, code_cellvars, code_freevars;
  int64_t code_objects[12];
  int64_t gen_frame, gen_code, gen_name, gen_qualname, gen_exc_state, gen_frame_state, gen_iframe,
      gen_size;
  int64_t stackitem_type, stackitem_value, stackitem_tb, stackitem_size;
  int64_t exc[6];
  int64_t tb_next, tb_frame;
  uint64_t func_exact_words = 0;   // bit i: word i of a function is visited exactly
  uint64_t frame_exact_words = 0;  // the same for the fixed part of a frame object
  uint64_t tpflags_heaptype = 0;
  int frame_owned_by_frame_object;
  layout::InstanceDictModel instance_dict;
  layout::DictKeysModel dict_keys_model;
  layout::SplitValuesModel split_values;
};

// Tells the conservative scan which words are object addresses.
class KnownObjects {
 public:
  virtual ~KnownObjects() = default;
  virtual bool contains(uint64_t address) const = 0;
};

// Where the entries of a dict keys object are and what they look like.
struct KeysGeometry {
  uint64_t entries = 0;
  uint64_t entry_size = 0, key_off = 0, value_off = 0;
  int64_t nentries = 0;
};

// The geometry of shared keys objects read recently (split tables: every instance of a
// class points at its class's keys). One per thread; the core does not change while it is
// read, so an entry never goes stale.
class SharedKeysCache {
 public:
  const KeysGeometry* find(uint64_t keys) const {
    const Entry& e = entries_[slot(keys)];
    return e.keys == keys ? &e.geometry : nullptr;
  }
  void put(uint64_t keys, const KeysGeometry& g) { entries_[slot(keys)] = Entry{keys, g}; }

 private:
  static constexpr size_t kSize = 16;
  static size_t slot(uint64_t keys) { return (keys >> 4) & (kSize - 1); }
  struct Entry {
    uint64_t keys = 0;  // 0: empty
    KeysGeometry geometry;
  };
  std::array<Entry, kSize> entries_{};
};

struct VisitContext {
  const Memory& memory;
  const Offsets& off;
  const TypeTable& types;
  const KnownObjects* known = nullptr;     // null: no conservative scan
  uint64_t max_items = 1u << 26;           // per container
  SharedKeysCache* shared_keys = nullptr;  // null: every keys object is read
};

// Visits what `obj` (an instance of `type`) owns. For a type object pass its metatype's entry,
// for a code object the entry of `code`.
// Sink concept:
//   void edge(uint64_t target, const Slot& slot, bool conservative);
//   void storage_problem(uint64_t storage, const char* what);  // item array unreadable, ...
template <class Sink>
void visit_referents(const VisitContext& ctx, uint64_t obj, const HeapType& type, Sink& sink);

}  // namespace pycore::heap
