#include "types.hpp"

#include <algorithm>

namespace pycore::heap {

namespace {

constexpr uint64_t kBaseExcSubclass = 1ull << 30;  // Py_TPFLAGS_BASE_EXC_SUBCLASS, 3.x
constexpr uint64_t kTypeSubclass = 1ull << 31;     // Py_TPFLAGS_TYPE_SUBCLASS, 3.x
constexpr int kMaxChain = 64;                      // MRO depth we follow through tp_base
// subtype_traverse is recognised only when it is clearly the most common tp_traverse of
// heap types (Python classes share it; each C heap type has its own).
constexpr size_t kMinPythonClasses = 3;
// Sizes no real type has (tp_basicsize counts at least the PyObject header).
constexpr int64_t kMaxBasicSize = int64_t{1} << 20;
constexpr int64_t kMaxItemSize = int64_t{1} << 16;

// Names of the builtin types the layout locates, for when their tp_name lives in pages the
// core does not have (.rodata of a file we could not read).
std::string root_type_name(const layout::Roots& r, uint64_t t) {
  const std::pair<uint64_t, const char*> names[] = {
      {r.type_type, "type"},
      {r.object_type, "object"},
      {r.str_type, "str"},
      {r.bytes_type, "bytes"},
      {r.int_type, "int"},
      {r.float_type, "float"},
      {r.bool_type, "bool"},
      {r.tuple_type, "tuple"},
      {r.list_type, "list"},
      {r.dict_type, "dict"},
      {r.set_type, "set"},
      {r.frozenset_type, "frozenset"},
      {r.module_type, "module"},
      {r.function_type, "function"},
      {r.code_type, "code"},
      {r.frame_type, "frame"},
      {r.cell_type, "cell"},
      {r.method_type, "method"},
      {r.cfunction_type, "builtin_function_or_method"},
      {r.gen_type, "generator"},
      {r.coro_type, "coroutine"},
      {r.asyncgen_type, "async_generator"},
      {r.traceback_type, "traceback"},
  };
  for (const auto& [root, name] : names)
    if (root != 0 && root == t) return name;
  return {};
}

bool c_heap_instances_own_type(const layout::Layout& l) {
  return l.build.major > 3 || (l.build.major == 3 && l.build.minor >= 8);
}

bool printable(const std::string& s) {
  if (s.empty()) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string_view to_string(Shape s) {
  switch (s) {
    case Shape::kAtomic:
      return "atomic";
    case Shape::kObject:
      return "object";
    case Shape::kTuple:
      return "tuple";
    case Shape::kList:
      return "list";
    case Shape::kDict:
      return "dict";
    case Shape::kSet:
      return "set";
    case Shape::kCell:
      return "cell";
    case Shape::kFunction:
      return "function";
    case Shape::kMethod:
      return "method";
    case Shape::kCFunction:
      return "builtin_function_or_method";
    case Shape::kModule:
      return "module";
    case Shape::kType:
      return "type";
    case Shape::kFrame:
      return "frame";
    case Shape::kGenerator:
      return "generator";
    case Shape::kTraceback:
      return "traceback";
    case Shape::kException:
      return "exception";
    case Shape::kWeakref:
      return "weakref";
    case Shape::kDescriptor:
      return "descriptor";
    case Shape::kCode:
      return "code";
    case Shape::kOpaque:
      return "opaque";
  }
  return "?";
}

TypeTable::TypeTable(const python::ObjectReader& reader, const layout::Layout& layout)
    : reader_(reader), layout_(layout) {
  // Types of the non-GC objects that containers hold most: known before any thread asks.
  const layout::Roots& r = layout.roots;
  for (uint64_t t :
       {r.type_type, r.object_type, r.str_type, r.bytes_type, r.int_type, r.float_type, r.bool_type,
        r.tuple_type, r.code_type, r.dict_type, r.frozenset_type, r.cfunction_type})
    if (t != 0) intern(t);
  if (r.none != 0)
    if (auto nt = reader.type_of(r.none)) intern(*nt);
}

uint32_t TypeTable::intern(uint64_t address) {
  if (auto it = index_.find(address); it != index_.end()) return it->second;
  auto idx = static_cast<uint32_t>(types_.size());
  index_.emplace(address, idx);
  python::TypeHandle info = reader_.type_info(address);
  HeapType t;
  t.address = address;
  t.valid = info->valid && info->basicsize >= 16 && info->basicsize <= kMaxBasicSize &&
            info->itemsize >= 0 && info->itemsize <= kMaxItemSize;
  t.name = "?";
  if (t.valid) {
    // tp_name must be text; bytes merely missing from the core (a .rodata page) are no
    // evidence against the type.
    switch (check_tp_name(address, info->is_heap_type, t.name)) {
      case NameCheck::kOk:
        break;
      case NameCheck::kMissing:
        if (t.name == "?") t.name = root_type_name(layout_.roots, address);
        if (t.name.empty()) t.name = "?";
        break;
      case NameCheck::kBad:
        t.valid = false;
        break;
    }
  }
  t.flags = info->flags;
  t.basicsize = info->basicsize;
  t.itemsize = info->itemsize;
  t.heap = info->valid && info->is_heap_type;
  t.gc = info->valid && (info->flags & layout_.constants.tpflags_have_gc) != 0;
  t.is_type = info->valid && (info->flags & kTypeSubclass) != 0;
  // Decided here, not in decide(): the header pass, before freeze(), counts the pre-header
  // into each instance's allocation size. A managed dict (3.11+) or a managed weakref list
  // (3.12+) gives an instance two words before its GC head (_PyType_PreHeaderSize).
  t.managed_dict = t.valid && (info->flags & layout_.constants.tpflags_managed_dict) != 0 &&
                   layout_.models.instance_dict != layout::InstanceDictModel::kDictOffset;
  t.preheader =
      t.managed_dict || (t.valid && (info->flags & layout_.constants.tpflags_managed_weakref) != 0);
  types_.push_back(std::move(t));
  info_.push_back(std::move(info));
  if (frozen_) decide(types_.back());
  return idx;
}

TypeTable::NameCheck TypeTable::check_tp_name(uint64_t type, bool heap, std::string& name) const {
  const target::AddressSpace& mem = reader_.memory();
  auto ptr = mem.u64(type + static_cast<uint64_t>(layout_.off(layout::F::type_name)));
  if (!ptr || *ptr == 0) return NameCheck::kBad;
  if (auto text = mem.cstring(*ptr, 512)) {
    if (!printable(*text)) return NameCheck::kBad;
    name = std::move(*text);
    return NameCheck::kOk;
  }
  // Unreadable: static types (and C heap types made from a spec) keep the name in their
  // module's .rodata, which a core need not carry (gcore snapshots, missing files). That
  // proves nothing; text that is there but is not a name does.
  char c;
  if (!mem.read(*ptr, &c, 1)) {
    if (heap) {  // ht_name holds the same name as a str
      auto ht_name = mem.u64(type + static_cast<uint64_t>(layout_.off(layout::F::heaptype_name)));
      if (ht_name)
        if (auto s = reader_.str_utf8(*ht_name)) name = *s;
    }
    return NameCheck::kMissing;
  }
  return NameCheck::kBad;  // readable, but no NUL within 512 bytes: not a name
}

uint32_t TypeTable::find(uint64_t address) const {
  auto it = index_.find(address);
  return it == index_.end() ? UINT32_MAX : it->second;
}

Shape TypeTable::builtin_shape(uint64_t type) const {
  const layout::Roots& r = layout_.roots;
  if (type == 0) return Shape::kOpaque;
  const std::pair<uint64_t, Shape> known[] = {
      {r.object_type, Shape::kObject},
      {r.tuple_type, Shape::kTuple},
      {r.list_type, Shape::kList},
      {r.dict_type, Shape::kDict},
      {r.set_type, Shape::kSet},
      {r.frozenset_type, Shape::kSet},
      {r.cell_type, Shape::kCell},
      {r.function_type, Shape::kFunction},
      {r.method_type, Shape::kMethod},
      {r.cfunction_type, Shape::kCFunction},
      {r.module_type, Shape::kModule},
      {r.type_type, Shape::kType},
      {r.frame_type, Shape::kFrame},
      {r.gen_type, Shape::kGenerator},
      {r.coro_type, Shape::kGenerator},
      {r.asyncgen_type, Shape::kGenerator},
      {r.traceback_type, Shape::kTraceback},
      {r.code_type, Shape::kCode},
      {r.weakref_type, Shape::kWeakref},
      {r.weakref_proxy_type, Shape::kWeakref},
      {r.weakref_callable_proxy_type, Shape::kWeakref},
      {r.method_descr_type, Shape::kDescriptor},
      {r.classmethod_descr_type, Shape::kDescriptor},
      {r.getset_descr_type, Shape::kDescriptor},
      {r.member_descr_type, Shape::kDescriptor},
      {r.wrapper_descr_type, Shape::kDescriptor},
      {r.str_type, Shape::kAtomic},
      {r.bytes_type, Shape::kAtomic},
      {r.int_type, Shape::kAtomic},
      {r.float_type, Shape::kAtomic},
      {r.bool_type, Shape::kAtomic},
  };
  for (const auto& [root, shape] : known)
    if (root != 0 && root == type) return shape;
  return Shape::kOpaque;
}

void TypeTable::freeze() {
  // subtype_traverse is a static function of typeobject.c: no symbol to ask for. Every
  // Python class has it as tp_traverse, so it is the clear majority among heap types.
  std::unordered_map<uint64_t, size_t> votes;
  for (size_t i = 0; i < types_.size(); ++i)
    if (types_[i].heap && types_[i].gc && info_[i]->traverse != 0) ++votes[info_[i]->traverse];
  size_t best = 0, second = 0;
  for (const auto& [fn, n] : votes) {
    if (n > best) {
      second = best;
      best = n;
      subtype_traverse_ = fn;
    } else if (n > second) {
      second = n;
    }
  }
  if (best < kMinPythonClasses || best < 2 * second) subtype_traverse_ = 0;
  frozen_ = true;
  for (auto& t : types_) decide(t);
}

void TypeTable::decide(HeapType& t) {
  t.members_begin = t.members_end = static_cast<uint32_t>(members_.size());
  if (!t.valid) {
    t.shape = Shape::kOpaque;
    return;
  }
  python::TypeHandle cur = reader_.type_info(t.address);
  const python::TypeHandle self = cur;
  // Python classes up the chain contribute their __slots__ (traverse_slots()).
  for (int depth = 0; depth < kMaxChain && cur->valid && cur->is_heap_type; ++depth) {
    if (subtype_traverse_ != 0 && cur->traverse != subtype_traverse_) break;  // C heap type
    for (const python::MemberInfo& m : cur->member_list)
      if (m.holds_object()) members_.push_back({m.offset, m.name});
    if (cur->base == 0) break;
    cur = reader_.type_info(cur->base);
  }
  t.members_end = static_cast<uint32_t>(members_.size());
  const python::TypeHandle boundary = cur;
  // Instances of Python classes own a reference to their class (PyType_GenericAlloc); those
  // of C heap types only since 3.8 (bpo-35810: PyObject_Init increfs heap types).
  const bool python_class = self->is_heap_type && boundary != self;
  t.owns_type = t.heap && (python_class || c_heap_instances_own_type(layout_));

  // The boundary's own tp_traverse: a builtin we model, or the nearest modelled ancestor
  // plus a conservative scan of the bytes the C type adds.
  Shape shape = builtin_shape(boundary->address);
  python::TypeHandle known = boundary;
  if (shape == Shape::kOpaque && boundary->valid) {
    python::TypeHandle k = boundary;
    for (int depth = 0; depth < kMaxChain && k->valid; ++depth) {
      Shape s = builtin_shape(k->address);
      if (s != Shape::kOpaque) {
        shape = s;
        break;
      }
      // BaseException is not among the layout's roots: it is the last type carrying the
      // BASE_EXC_SUBCLASS flag on the way up.
      if ((k->flags & kBaseExcSubclass) != 0) {
        python::TypeHandle up = k->base ? reader_.type_info(k->base) : nullptr;
        if (!up || !up->valid || (up->flags & kBaseExcSubclass) == 0) {
          shape = Shape::kException;
          break;
        }
      }
      if (k->base == 0) {  // only `object` has no base
        shape = Shape::kObject;
        break;
      }
      k = reader_.type_info(k->base);
    }
    known = k;
  }
  t.shape = shape;
  const bool modelled = shape != Shape::kOpaque && known == boundary;
  if (!modelled && boundary->valid) {
    // Bytes the unmodelled C type adds beyond its modelled ancestor (after ob_type when
    // there is none).
    const bool have_ancestor = shape != Shape::kOpaque && known->valid;
    int64_t from = have_ancestor ? std::max<int64_t>(known->basicsize, 16) : 16;
    int64_t to = boundary->basicsize;
    if (to > from && to - from <= (1 << 16)) {
      t.scan_from = static_cast<uint32_t>(from);
      t.scan_to = static_cast<uint32_t>(to);
    }
    t.scan_var_part = boundary->itemsize != 0 && (!have_ancestor || known->itemsize == 0);
  }

  // The instance __dict__: managed (3.11+ flag, see intern()) or at tp_dictoffset when the
  // Python classes added it (the boundary's traverse visits its own).
  t.inline_values = t.managed_dict &&
                    layout_.models.instance_dict == layout::InstanceDictModel::kInlineValues &&
                    (self->flags & layout_.constants.tpflags_inline_values) != 0;
  if (!t.managed_dict && self->dictoffset != 0 && self->dictoffset != boundary->dictoffset)
    t.dictoffset = self->dictoffset;
  if (t.managed_dict || t.inline_values) t.cached_keys = self->cached_keys;
}

}  // namespace pycore::heap
