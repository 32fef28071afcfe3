#include "referents.hpp"

#include <algorithm>
#include <cstring>

#include "graph_sinks.hpp"
#include "holders.hpp"

namespace pycore::heap {

using layout::F;

namespace {

int64_t off_or(const layout::Layout& l, F f) {
  return l.has(f) ? l.off(f) : -1;
}

// Entry layouts of dict keys tables (identical 3.6-3.13): general entries are
// {hash, key, value}, 3.11+ unicode/split entries {key, value}.
constexpr uint64_t kEntryKey = 8, kEntryValue = 16;
constexpr uint64_t kUnicodeEntryKey = 0, kUnicodeEntryValue = 8;
constexpr int64_t kMaxEntries = int64_t{1} << 31;
// The generator/coroutine frame states of 3.11-3.13 share FRAME_CLEARED = 4; frames in a
// state below it still own their locals.
constexpr int kFrameCleared = 4;
// Words of an object scanned for "the rest" (functions, frames): their fixed part is small.
constexpr int64_t kMaxScanWords = 64;

}  // namespace

Offsets::Offsets(const layout::Layout& l) {
  refcnt = off_or(l, F::object_refcnt);
  type = off_or(l, F::object_type);
  ob_size = off_or(l, F::varobject_size_field);
  object_size = off_or(l, F::object_size);
  gc_head = off_or(l, F::gc_head_size);
  tuple_item = off_or(l, F::tuple_item);
  list_item = off_or(l, F::list_item);
  dict_keys = off_or(l, F::dict_keys);
  dict_values = off_or(l, F::dict_values);
  dk_size = off_or(l, F::dictkeys_size_field);
  dk_log2_size = off_or(l, F::dictkeys_log2_size);
  dk_log2_index_bytes = off_or(l, F::dictkeys_log2_index_bytes);
  dk_kind = off_or(l, F::dictkeys_kind);
  dk_nentries = off_or(l, F::dictkeys_nentries);
  dk_indices = off_or(l, F::dictkeys_indices);
  dk_entry_size = l.has(F::dictkeyentry_size) ? l.off(F::dictkeyentry_size) : 24;
  dk_unicode_entry_size = l.has(F::dictunicodeentry_size) ? l.off(F::dictunicodeentry_size) : 16;
  values_values = l.has(F::dictvalues_values) ? l.off(F::dictvalues_values) : 0;
  values_capacity = off_or(l, F::dictvalues_capacity);
  values_valid = off_or(l, F::dictvalues_valid);
  values_embedded = off_or(l, F::dictvalues_embedded);  // 3.13+
  set_mask = off_or(l, F::set_mask);
  set_table = off_or(l, F::set_table);
  setentry_size = l.has(F::setentry_size) ? l.off(F::setentry_size) : 16;
  cell_ref = off_or(l, F::cell_ref);
  method_func = off_or(l, F::method_func);
  method_self = off_or(l, F::method_self);
  cfunction_self = off_or(l, F::cfunction_self);
  cfunction_module = off_or(l, F::cfunction_module);
  module_dict = off_or(l, F::module_dict);
  module_name = off_or(l, F::module_name);
  const F funcs[13] = {F::func_code,      F::func_globals,    F::func_name,        F::func_qualname,
                       F::func_defaults,  F::func_kwdefaults, F::func_closure,     F::func_doc,
                       F::func_dict,      F::func_module,     F::func_annotations, F::func_builtins,
                       F::func_typeparams};
  for (int i = 0; i < 13; ++i) {
    func[i] = off_or(l, funcs[i]);
    if (func[i] >= 0 && func[i] / 8 < 64) func_exact_words |= uint64_t{1} << (func[i] / 8);
  }
  descr[0] = off_or(l, F::descr_type);
  descr[1] = off_or(l, F::descr_name);
  descr[2] = off_or(l, F::descr_qualname);
  weakref_callback = off_or(l, F::weakref_callback);
  type_flags = off_or(l, F::type_flags);
  type_dict = off_or(l, F::type_dict);
  type_mro = off_or(l, F::type_mro);
  type_bases = off_or(l, F::type_bases);
  type_base = off_or(l, F::type_base);
  type_subclasses = off_or(l, F::type_subclasses);
  ht_name = off_or(l, F::heaptype_name);
  ht_qualname = off_or(l, F::heaptype_qualname);
  ht_slots = off_or(l, F::heaptype_slots);
  ht_module = off_or(l, F::heaptype_module);
  frame_back = off_or(l, F::frameobject_back);
  frame_code = off_or(l, F::frameobject_code);
  frame_globals = off_or(l, F::frameobject_globals);
  frame_locals = off_or(l, F::frameobject_locals);
  frame_localsplus = off_or(l, F::frameobject_localsplus);
  frame_exc_type = off_or(l, F::frameobject_exc_type);
  frame_frame = off_or(l, F::frameobject_frame);
  frame_frame_data = off_or(l, F::frameobject_frame_data);
  for (int64_t f : {frame_back, frame_code, frame_globals, frame_locals, frame_frame})
    if (f >= 0 && f / 8 < 64) frame_exact_words |= uint64_t{1} << (f / 8);
  if (frame_exc_type >= 0)
    for (int k = 0; k < 3; ++k) frame_exact_words |= uint64_t{1} << (frame_exc_type / 8 + k);
  iframe_func = off_or(l, F::iframe_func);
  iframe_code = off_or(l, F::iframe_code);
  iframe_locals = off_or(l, F::iframe_locals);
  iframe_localsplus = off_or(l, F::iframe_localsplus);
  iframe_stacktop = off_or(l, F::iframe_stacktop);
  iframe_owner = off_or(l, F::iframe_owner);
  code_nlocals = off_or(l, F::code_nlocals);
  code_cellvars = off_or(l, F::code_cellvars);
  code_freevars = off_or(l, F::code_freevars);
  const F codes[12] = {F::code_consts,
                       F::code_names,
                       F::code_varnames,
                       F::code_freevars,
                       F::code_cellvars,
                       F::code_filename,
                       F::code_name,
                       F::code_qualname,
                       F::code_linetable,
                       F::code_localsplusnames,
                       F::code_localspluskinds,
                       F::code_code};
  for (int i = 0; i < 12; ++i) code_objects[i] = off_or(l, codes[i]);
  gen_frame = off_or(l, F::gen_frame);
  gen_code = off_or(l, F::gen_code);
  gen_name = off_or(l, F::gen_name);
  gen_qualname = off_or(l, F::gen_qualname);
  gen_exc_state = off_or(l, F::gen_exc_state);
  gen_frame_state = off_or(l, F::gen_frame_state);
  gen_iframe = off_or(l, F::gen_iframe);
  gen_size = off_or(l, F::gen_size);
  stackitem_type = off_or(l, F::err_stackitem_exc_type);
  stackitem_value = off_or(l, F::err_stackitem_exc_value);
  stackitem_tb = off_or(l, F::err_stackitem_exc_traceback);
  stackitem_size =
      l.has(F::err_stackitem_previous_item) ? l.off(F::err_stackitem_previous_item) + 8 : -1;
  const F excs[6] = {F::exception_dict,      F::exception_args,    F::exception_notes,
                     F::exception_traceback, F::exception_context, F::exception_cause};
  for (int i = 0; i < 6; ++i) exc[i] = off_or(l, excs[i]);
  tb_next = off_or(l, F::traceback_next);
  tb_frame = off_or(l, F::traceback_frame);
  tpflags_heaptype = l.constants.tpflags_heaptype;
  frame_owned_by_frame_object = l.constants.frame_owner_frame_object;
  instance_dict = l.models.instance_dict;
  dict_keys_model = l.models.dict_keys;
  split_values = l.models.split_values;
}

namespace {

const char* const kFuncNames[13] = {
    "__code__",        "__globals__",  "__name__",       "__qualname__", "__defaults__",
    "__kwdefaults__",  "__closure__",  "__doc__",        "__dict__",     "__module__",
    "__annotations__", "__builtins__", "__type_params__"};
const char* const kDescrNames[3] = {"__objclass__", "__name__", "__qualname__"};
const char* const kCodeNames[12] = {
    "co_consts",          "co_names", "co_varnames", "co_freevars",  "co_cellvars",
    "co_filename",        "co_name",  "co_qualname", "co_linetable", "co_localsplusnames",
    "co_localspluskinds", "co_code"};
const char* const kExcNames[6] = {"__dict__",      "args",        "__notes__",
                                  "__traceback__", "__context__", "__cause__"};

template <class Sink>
class Visitor {
 public:
  Visitor(const VisitContext& c, Sink& sink) : c_(c), o_(c.off), m_(c.memory), sink_(sink) {}

  void run(uint64_t obj, const HeapType& t) {
    switch (t.shape) {
      case Shape::kAtomic:
      case Shape::kObject:
      case Shape::kOpaque:
        break;
      case Shape::kTuple:
        tuple(obj);
        break;
      case Shape::kList:
        list(obj);
        break;
      case Shape::kDict:
        dict(obj);
        break;
      case Shape::kSet:
        set(obj);
        break;
      case Shape::kCell:
        field(obj, o_.cell_ref, "cell_contents");
        break;
      case Shape::kMethod:
        field(obj, o_.method_func, "__func__");
        field(obj, o_.method_self, "__self__");
        break;
      case Shape::kCFunction:
        field(obj, o_.cfunction_self, "__self__");
        field(obj, o_.cfunction_module, "__module__");
        break;
      case Shape::kModule:
        field(obj, o_.module_dict, "__dict__");
        field(obj, o_.module_name, "md_name");  // owned, though module_traverse skips it
        break;
      case Shape::kFunction:
        function(obj, t);
        break;
      case Shape::kType:
        type_object(obj);
        break;
      case Shape::kFrame:
        frame(obj, t);
        break;
      case Shape::kGenerator:
        generator(obj, t);
        break;
      case Shape::kTraceback:
        field(obj, o_.tb_next, "tb_next");
        field(obj, o_.tb_frame, "tb_frame");
        break;
      case Shape::kException:
        for (int i = 0; i < 6; ++i) field(obj, o_.exc[i], kExcNames[i]);
        break;
      case Shape::kCode:
        for (int i = 0; i < 12; ++i) field(obj, o_.code_objects[i], kCodeNames[i]);
        break;
      case Shape::kWeakref:
        // wr_object is deliberately not a reference: the referent's refcount does not
        // count it (weakref_traverse() visits only the callback).
        field(obj, o_.weakref_callback, "__callback__");
        break;
      case Shape::kDescriptor:
        for (int i = 0; i < 3; ++i) field(obj, o_.descr[i], kDescrNames[i]);
        break;
    }
    extras(obj, t);
  }

 private:
  void emit(uint64_t target, const Slot& slot, bool conservative = false) {
    if (target != 0) sink_.edge(target, slot, conservative);
  }

  void field(uint64_t obj, int64_t off, const char* name) {
    if (off < 0) return;
    if (auto v = m_.u64(obj + static_cast<uint64_t>(off)))
      emit(*v, Slot{SlotKind::kField, 0, 0, name});
  }

  // n pointers at `base`; `storage` names the array for problem reports.
  void array(uint64_t base, uint64_t n, SlotKind kind, const char* storage) {
    if (n == 0) return;
    n = std::min<uint64_t>(n, c_.max_items);
    const std::byte* p = m_.at(base, n * 8);
    if (p != nullptr) {
      for (uint64_t i = 0; i < n; ++i)
        emit(load<uint64_t>(p + 8 * i), Slot{kind, static_cast<uint32_t>(i)});
      return;
    }
    // Not in one region (or not readable at all): item by item, stop at the first gap.
    for (uint64_t i = 0; i < n; ++i) {
      auto v = m_.u64(base + 8 * i);
      if (!v) {
        sink_.storage_problem(base + 8 * i, storage);
        return;
      }
      emit(*v, Slot{kind, static_cast<uint32_t>(i)});
    }
  }

  // Words in [from, to) of obj that equal the address of an object we know.
  void conservative(uint64_t obj, uint64_t from, uint64_t to, uint64_t skip_words = 0) {
    if (c_.known == nullptr || to <= from) return;
    from = (from + 7) & ~uint64_t{7};
    if (to - from > (uint64_t{1} << 20)) to = from + (uint64_t{1} << 20);
    const std::byte* p = m_.at(obj + from, to - from);
    if (p == nullptr) return;
    for (uint64_t at = from; at + 8 <= to; at += 8) {
      if (at / 8 < 64 && (skip_words >> (at / 8) & 1)) continue;
      uint64_t v = load<uint64_t>(p + (at - from));
      if (v != 0 && (v & 7) == 0 && v != obj && c_.known->contains(v))
        emit(v, Slot{SlotKind::kConservative, static_cast<uint32_t>(at)}, true);
    }
  }

  std::optional<int64_t> ob_size(uint64_t obj) {
    auto n = m_.i64(obj + static_cast<uint64_t>(o_.ob_size));
    if (!n || *n < 0) return std::nullopt;
    return *n;
  }

  void tuple(uint64_t obj) {
    auto n = ob_size(obj);
    if (!n) return sink_.storage_problem(obj, "tuple size");
    array(obj + static_cast<uint64_t>(o_.tuple_item), static_cast<uint64_t>(*n), SlotKind::kItem,
          "tuple items");
  }

  void list(uint64_t obj) {
    auto n = ob_size(obj);
    auto items = m_.u64(obj + static_cast<uint64_t>(o_.list_item));
    if (!n || !items) return sink_.storage_problem(obj, "list header");
    if (*n == 0) return;
    if (*items == 0) return sink_.storage_problem(obj, "list ob_item is NULL");
    array(*items, static_cast<uint64_t>(*n), SlotKind::kItem, "list ob_item");
  }

  // keys_geometry() for the shared keys of a split table, through the thread's cache.
  bool shared_keys_geometry(uint64_t keys, KeysGeometry& g) {
    if (c_.shared_keys != nullptr)
      if (const KeysGeometry* cached = c_.shared_keys->find(keys)) {
        g = *cached;
        return true;
      }
    if (!keys_geometry(keys, g)) return false;
    if (c_.shared_keys != nullptr) c_.shared_keys->put(keys, g);
    return true;
  }

  bool keys_geometry(uint64_t keys, KeysGeometry& g) {
    auto nentries = m_.i64(keys + static_cast<uint64_t>(o_.dk_nentries));
    if (!nentries || *nentries < 0 || *nentries > kMaxEntries || o_.dk_indices < 0) return false;
    g.nentries = *nentries;
    const uint64_t indices = keys + static_cast<uint64_t>(o_.dk_indices);
    int64_t capacity = 0;
    bool general = true;
    if (o_.dict_keys_model == layout::DictKeysModel::kSized) {
      auto size = m_.i64(keys + static_cast<uint64_t>(o_.dk_size));
      if (!size || *size <= 0 || *size > kMaxEntries || (*size & (*size - 1)) != 0) return false;
      uint64_t width = *size <= 0xff ? 1 : *size <= 0xffff ? 2 : *size <= 0xffffffffLL ? 4 : 8;
      capacity = *size;
      g.entries = indices + static_cast<uint64_t>(*size) * width;
    } else {
      auto log2_size = m_.u8(keys + static_cast<uint64_t>(o_.dk_log2_size));
      auto log2_index_bytes = m_.u8(keys + static_cast<uint64_t>(o_.dk_log2_index_bytes));
      auto kind = m_.u8(keys + static_cast<uint64_t>(o_.dk_kind));
      if (!log2_size || !log2_index_bytes || !kind || *log2_size > 31 || *log2_index_bytes > 35 ||
          *kind > 2)
        return false;
      capacity = int64_t{1} << *log2_size;
      g.entries = indices + (uint64_t{1} << *log2_index_bytes);
      general = *kind == 0;
    }
    if (g.nentries > capacity) return false;
    g.entry_size = static_cast<uint64_t>(general ? o_.dk_entry_size : o_.dk_unicode_entry_size);
    g.key_off = general ? kEntryKey : kUnicodeEntryKey;
    g.value_off = general ? kEntryValue : kUnicodeEntryValue;
    return true;
  }

  void dict(uint64_t obj) {
    auto keys = m_.u64(obj + static_cast<uint64_t>(o_.dict_keys));
    auto values = m_.u64(obj + static_cast<uint64_t>(o_.dict_values));
    if (!keys || !values) return sink_.storage_problem(obj, "dict header");
    if (*keys == 0) return;
    KeysGeometry g;
    // A split table's keys are its class's, shared by every instance's dict.
    const bool split = *values != 0;
    if (!(split ? shared_keys_geometry(*keys, g) : keys_geometry(*keys, g)))
      return sink_.storage_problem(*keys, "dict keys");
    if (split) return split_values(*values, g, SlotKind::kDictValue);
    const uint64_t n = static_cast<uint64_t>(std::min<int64_t>(g.nentries, c_.max_items));
    const std::byte* p = m_.at(g.entries, n * g.entry_size);
    if (p == nullptr && n != 0) return sink_.storage_problem(g.entries, "dict entries");
    for (uint64_t i = 0; i < n; ++i) {
      const std::byte* e = p + i * g.entry_size;
      uint64_t value = load<uint64_t>(e + g.value_off);
      if (value == 0) continue;  // empty or deleted
      uint64_t key_slot = g.entries + i * g.entry_size + g.key_off;
      emit(load<uint64_t>(e + g.key_off),
           Slot{SlotKind::kDictKey, static_cast<uint32_t>(i), key_slot});
      emit(value, Slot{SlotKind::kDictValue, static_cast<uint32_t>(i), key_slot});
    }
  }

  // Values of a split table: the keys (and their references) belong to the shared keys
  // object; the dict owns only the values. 3.13 values embedded in an instance belong to
  // the instance, not to the dict that was materialised over them.
  void split_values(uint64_t values, const KeysGeometry& g, SlotKind kind) {
    uint64_t n = static_cast<uint64_t>(g.nentries);
    if (o_.split_values == layout::SplitValuesModel::kStruct) {
      if (o_.values_embedded >= 0 && kind == SlotKind::kDictValue) {
        auto embedded = m_.u8(values + static_cast<uint64_t>(o_.values_embedded));
        if (!embedded) return sink_.storage_problem(values, "dict values");
        if (*embedded != 0) return;
      }
      if (o_.values_capacity >= 0) {
        auto cap = m_.u8(values + static_cast<uint64_t>(o_.values_capacity));
        if (!cap) return sink_.storage_problem(values, "dict values");
        n = std::min<uint64_t>(n, *cap);
      }
    }
    const uint64_t base = o_.split_values == layout::SplitValuesModel::kArray
                              ? values
                              : values + static_cast<uint64_t>(o_.values_values);
    values_with_keys(base, n, g, kind);
  }

  void values_with_keys(uint64_t base, uint64_t n, const KeysGeometry& g, SlotKind kind) {
    n = std::min<uint64_t>(n, c_.max_items);
    if (n == 0) return;
    const std::byte* p = m_.at(base, n * 8);
    if (p == nullptr) return sink_.storage_problem(base, "dict values");
    for (uint64_t i = 0; i < n; ++i) {
      uint64_t key_slot = g.entries ? g.entries + i * g.entry_size + g.key_off : 0;
      emit(load<uint64_t>(p + 8 * i), Slot{kind, static_cast<uint32_t>(i), key_slot});
    }
  }

  void set(uint64_t obj) {
    auto mask = m_.i64(obj + static_cast<uint64_t>(o_.set_mask));
    auto table = m_.u64(obj + static_cast<uint64_t>(o_.set_table));
    if (!mask || !table || *mask < 0 || *mask >= kMaxEntries || ((*mask + 1) & *mask) != 0 ||
        *table == 0)
      return sink_.storage_problem(obj, "set header");
    const uint64_t n = static_cast<uint64_t>(*mask) + 1;
    const uint64_t esize = static_cast<uint64_t>(o_.setentry_size);
    const std::byte* p = m_.at(*table, n * esize);
    if (p == nullptr) return sink_.storage_problem(*table, "set table");
    for (uint64_t i = 0; i < n; ++i) {
      const auto key = load<uint64_t>(p + i * esize);
      const auto hash = load<int64_t>(p + i * esize + 8);
      if (key == 0 || hash == -1) continue;  // empty, or the dummy of a deleted entry
      emit(key, Slot{SlotKind::kSetItem, static_cast<uint32_t>(i)});
    }
  }

  void function(uint64_t obj, const HeapType& t) {
    for (int i = 0; i < 13; ++i) field(obj, o_.func[i], kFuncNames[i]);
    // Fields the layout does not name (3.6-3.9 have none that hold objects; later ones
    // func_version, vectorcall, weak list): nothing exact, but scanned all the same.
    int64_t size = std::min<int64_t>(t.basicsize, kMaxScanWords * 8);
    conservative(obj, 16, static_cast<uint64_t>(std::max<int64_t>(size, 16)),
                 o_.func_exact_words | 3);
  }

  void type_object(uint64_t obj) {
    field(obj, o_.type_dict, "__dict__");
    field(obj, o_.type_mro, "__mro__");
    field(obj, o_.type_bases, "__bases__");
    field(obj, o_.type_base, "__base__");
    auto flags = m_.u64(obj + static_cast<uint64_t>(o_.type_flags));
    const bool heap = flags && (*flags & o_.tpflags_heaptype) != 0;
    // 3.12+ static builtin types keep an index, not a dict, in tp_subclasses.
    if (o_.type_subclasses >= 0) {
      auto sub = m_.u64(obj + static_cast<uint64_t>(o_.type_subclasses));
      if (sub && *sub != 0 && (heap || (*sub >= 4096 && (*sub & 7) == 0)))
        emit(*sub, Slot{SlotKind::kField, 0, 0, "__subclasses__"});
    }
    if (!heap) return;
    field(obj, o_.ht_name, "__name__");
    field(obj, o_.ht_qualname, "__qualname__");
    field(obj, o_.ht_slots, "__slots__");
    field(obj, o_.ht_module, "ht_module");
  }

  // The object's own references of an interpreter frame (3.11+): globals and builtins are
  // borrowed there; the function, code, locals dict and localsplus[0:stacktop] are owned.
  void interpreter_frame(uint64_t f) {
    field(f, o_.iframe_func, "f_func");
    field(f, o_.iframe_code, "f_code");
    field(f, o_.iframe_locals, "f_locals");
    if (o_.iframe_stacktop < 0 || o_.iframe_localsplus < 0) return;
    auto top = m_.i32(f + static_cast<uint64_t>(o_.iframe_stacktop));
    if (!top || *top < 0 || *top > (1 << 20)) return;
    array(f + static_cast<uint64_t>(o_.iframe_localsplus), static_cast<uint64_t>(*top),
          SlotKind::kLocal, "frame localsplus");
  }

  void frame(uint64_t obj, const HeapType& t) {
    field(obj, o_.frame_back, "f_back");
    if (o_.frame_localsplus >= 0) {
      // <= 3.10: the frame object is the evaluator's frame.
      field(obj, o_.frame_code, "f_code");
      field(obj, o_.frame_globals, "f_globals");
      field(obj, o_.frame_locals, "f_locals");
      if (o_.frame_exc_type >= 0) {  // 3.6 saved exception triple
        field(obj, o_.frame_exc_type, "f_exc_type");
        field(obj, o_.frame_exc_type + 8, "f_exc_value");
        field(obj, o_.frame_exc_type + 16, "f_exc_traceback");
      }
      // f_builtins, f_trace, f_gen (borrowed) ... : not named by the layout.
      conservative(obj, 16, static_cast<uint64_t>(o_.frame_localsplus), o_.frame_exact_words | 3);
      auto extras = ob_size(obj);
      if (!extras) return;
      const uint64_t named = named_locals(obj);
      const uint64_t total = static_cast<uint64_t>(std::min<int64_t>(*extras, 1 << 20));
      const uint64_t base = obj + static_cast<uint64_t>(o_.frame_localsplus);
      array(base, std::min(named, total), SlotKind::kLocal, "frame localsplus");
      // The value stack: its depth (f_stacktop/f_stackdepth) is not in the layout, and
      // slots above it may be stale.
      if (total > named)
        conservative(obj, static_cast<uint64_t>(o_.frame_localsplus) + 8 * named,
                     static_cast<uint64_t>(o_.frame_localsplus) + 8 * total);
      return;
    }
    if (o_.frame_frame < 0 || o_.frame_frame_data < 0) return;
    // 3.11+: the frame object owns the interpreter frame only once the function returned
    // (owner FRAME_OWNED_BY_FRAME_OBJECT, data embedded in the object).
    auto f = m_.u64(obj + static_cast<uint64_t>(o_.frame_frame));
    const uint64_t embedded = obj + static_cast<uint64_t>(o_.frame_frame_data);
    if (f && *f == embedded && o_.iframe_owner >= 0) {
      auto owner = m_.u8(embedded + static_cast<uint64_t>(o_.iframe_owner));
      if (owner && *owner == o_.frame_owned_by_frame_object) interpreter_frame(embedded);
    }
    // f_trace and other fields the layout does not name.
    conservative(obj, 16, static_cast<uint64_t>(o_.frame_frame_data), o_.frame_exact_words | 3);
    (void)t;
  }

  uint64_t named_locals(uint64_t frame) {
    auto code = m_.u64(frame + static_cast<uint64_t>(o_.frame_code));
    if (!code || *code == 0 || o_.code_nlocals < 0) return 0;
    auto nlocals = m_.i32(*code + static_cast<uint64_t>(o_.code_nlocals));
    uint64_t n = nlocals && *nlocals > 0 ? static_cast<uint64_t>(*nlocals) : 0;
    for (int64_t tuple_off : {o_.code_cellvars, o_.code_freevars}) {
      if (tuple_off < 0) continue;
      auto t = m_.u64(*code + static_cast<uint64_t>(tuple_off));
      if (!t || *t == 0) continue;
      if (auto k = ob_size(*t)) n += static_cast<uint64_t>(std::min<int64_t>(*k, 1 << 16));
    }
    return n;
  }

  void generator(uint64_t obj, const HeapType& t) {
    field(obj, o_.gen_name, "__name__");
    field(obj, o_.gen_qualname, "__qualname__");
    field(obj, o_.gen_code, "gi_code");
    if (o_.gen_exc_state >= 0) {
      if (o_.stackitem_type >= 0)
        field(obj, o_.gen_exc_state + o_.stackitem_type, "gi_exc_state.exc_type");
      if (o_.stackitem_value >= 0)
        field(obj, o_.gen_exc_state + o_.stackitem_value, "gi_exc_state.exc_value");
      if (o_.stackitem_tb >= 0)
        field(obj, o_.gen_exc_state + o_.stackitem_tb, "gi_exc_state.exc_traceback");
    }
    if (o_.gen_frame >= 0) {
      // <= 3.10: the frame is an object of its own. Coroutines and async generators add
      // fields after the generator's (cr_origin, ag_finalizer).
      field(obj, o_.gen_frame, "gi_frame");
      if (o_.gen_size > 0 && t.basicsize > o_.gen_size)
        conservative(obj, static_cast<uint64_t>(o_.gen_size), static_cast<uint64_t>(t.basicsize));
      return;
    }
    // 3.11+: the frame is embedded; gi_origin_or_finalizer sits between the exception state
    // and the frame state.
    if (o_.gen_exc_state >= 0 && o_.stackitem_size > 0 && o_.gen_frame_state > 0)
      conservative(obj, static_cast<uint64_t>(o_.gen_exc_state + o_.stackitem_size),
                   static_cast<uint64_t>(o_.gen_frame_state) & ~uint64_t{7});
    if (o_.gen_frame_state < 0 || o_.gen_iframe < 0) return;
    auto state = m_.get<int8_t>(obj + static_cast<uint64_t>(o_.gen_frame_state));
    if (state && *state < kFrameCleared)
      interpreter_frame(obj + static_cast<uint64_t>(o_.gen_iframe));
  }

  // What every instance adds to its boundary type's referents (subtype_traverse()).
  void extras(uint64_t obj, const HeapType& t) {
    if (t.owns_type) emit(t.address, Slot{SlotKind::kType});
    const auto& members = c_.types.members();
    for (uint32_t i = t.members_begin; i < t.members_end; ++i) {
      if (auto v = m_.u64(obj + static_cast<uint64_t>(members[i].offset)))
        emit(*v, Slot{SlotKind::kMember, i});
    }
    if (t.dictoffset != 0) instance_dict_at_offset(obj, t);
    if (t.managed_dict) managed_dict(obj, t);
    if (t.scan_to > t.scan_from) conservative(obj, t.scan_from, t.scan_to);
    if (t.scan_var_part && t.itemsize > 0) {
      auto n = ob_size(obj);
      if (n && t.basicsize > 0) {
        uint64_t end = static_cast<uint64_t>(t.basicsize) +
                       static_cast<uint64_t>(std::min<int64_t>(*n, 1 << 20)) *
                           static_cast<uint64_t>(t.itemsize);
        conservative(obj, static_cast<uint64_t>(t.basicsize), end);
      }
    }
  }

  void instance_dict_at_offset(uint64_t obj, const HeapType& t) {
    int64_t off = t.dictoffset;
    if (off < 0) {
      // Relative to the end of a var-sized object (_PyObject_GetDictPtr()).
      auto n = m_.i64(obj + static_cast<uint64_t>(o_.ob_size));
      if (!n) return;
      int64_t items = *n < 0 ? -*n : *n;
      int64_t size = t.basicsize + items * t.itemsize;
      size = (size + 7) & ~int64_t{7};
      off += size;
    }
    if (off <= 0) return;
    if (auto d = m_.u64(obj + static_cast<uint64_t>(off)))
      emit(*d, Slot{SlotKind::kField, 0, 0, "__dict__"});
  }

  // 3.11+: the dict pointer sits before the GC head; values may live without a dict.
  void managed_dict(uint64_t obj, const HeapType& t) {
    const uint64_t dict_slot = obj - static_cast<uint64_t>(o_.gc_head) - 8;
    uint64_t values = 0;
    auto word = m_.u64(dict_slot);
    if (!word) return sink_.storage_problem(dict_slot, "managed dict pointer");
    switch (o_.instance_dict) {
      case layout::InstanceDictModel::kManagedPreheader: {  // 3.11: [-3] dict, [-4] values
        emit(*word, Slot{SlotKind::kField, 0, 0, "__dict__"});
        auto v = m_.u64(dict_slot - 8);
        if (v) values = *v;
        break;
      }
      case layout::InstanceDictModel::kTaggedPreheader:  // 3.12: dict, or (values - 1)
        if (*word & 1)
          values = *word + 1;
        else
          emit(*word, Slot{SlotKind::kField, 0, 0, "__dict__"});
        break;
      case layout::InstanceDictModel::kInlineValues:  // 3.13: dict; values after the header
        emit(*word, Slot{SlotKind::kField, 0, 0, "__dict__"});
        if (t.inline_values) return inline_values(obj, t);
        return;
      case layout::InstanceDictModel::kDictOffset:
        return;
    }
    if (values == 0) return;
    KeysGeometry g;
    if (t.cached_keys == 0 || !shared_keys_geometry(t.cached_keys, g))
      return sink_.storage_problem(t.cached_keys, "cached keys of the instance's class");
    values_with_keys(values + static_cast<uint64_t>(o_.values_values),
                     static_cast<uint64_t>(g.nentries), g, SlotKind::kAttrValue);
  }

  void inline_values(uint64_t obj, const HeapType& t) {
    const uint64_t values = obj + static_cast<uint64_t>(o_.object_size);
    auto valid = m_.u8(values + static_cast<uint64_t>(o_.values_valid));
    auto capacity = m_.u8(values + static_cast<uint64_t>(o_.values_capacity));
    if (!valid || !capacity) return sink_.storage_problem(values, "inline values");
    if (*valid == 0) return;  // a materialised dict owns the attributes now
    KeysGeometry g;
    if (t.cached_keys == 0 || !shared_keys_geometry(t.cached_keys, g)) g = KeysGeometry{};
    values_with_keys(values + static_cast<uint64_t>(o_.values_values), *capacity, g,
                     SlotKind::kAttrValue);
  }

  const VisitContext& c_;
  const Offsets& o_;
  const Memory& m_;
  Sink& sink_;
};

}  // namespace

template <class Sink>
void visit_referents(const VisitContext& ctx, uint64_t obj, const HeapType& type, Sink& sink) {
  Visitor<Sink>(ctx, sink).run(obj, type);
}

template void visit_referents<GraphSink>(const VisitContext&, uint64_t, const HeapType&,
                                         GraphSink&);
template void visit_referents<SlotSink>(const VisitContext&, uint64_t, const HeapType&, SlotSink&);
template void visit_referents<WantedSink>(const VisitContext&, uint64_t, const HeapType&,
                                          WantedSink&);

}  // namespace pycore::heap
