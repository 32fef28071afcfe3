// ObjectReader: headers, types and classification. Scalars, containers and instance
// dictionaries are in objects_scalars.cpp, objects_dict.cpp and objects_fields.cpp.
#include "pycore/python/objects.hpp"

#include <unordered_set>

#include "objects_internal.hpp"

namespace pycore::python {

using layout::F;

std::string_view to_string(Kind k) {
  switch (k) {
    case Kind::kUnknown:
      return "unknown";
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kStr:
      return "str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kTuple:
      return "tuple";
    case Kind::kList:
      return "list";
    case Kind::kDict:
      return "dict";
    case Kind::kSet:
      return "set";
    case Kind::kFrozenSet:
      return "frozenset";
    case Kind::kType:
      return "type";
    case Kind::kModule:
      return "module";
    case Kind::kFunction:
      return "function";
    case Kind::kCode:
      return "code";
    case Kind::kFrame:
      return "frame";
    case Kind::kCell:
      return "cell";
    case Kind::kMethod:
      return "method";
    case Kind::kBuiltinFunction:
      return "builtin_function_or_method";
    case Kind::kGenerator:
      return "generator";
    case Kind::kCoroutine:
      return "coroutine";
    case Kind::kAsyncGenerator:
      return "async_generator";
    case Kind::kTraceback:
      return "traceback";
    case Kind::kException:
      return "exception";
    case Kind::kInstance:
      return "instance";
  }
  return "unknown";
}

std::optional<int64_t> IntValue::as_int64() const {
  if (too_big || decimal.empty() || decimal.size() > 19) return std::nullopt;
  uint64_t magnitude = 0;
  for (char c : decimal) magnitude = magnitude * 10 + static_cast<uint64_t>(c - '0');
  if (!negative && magnitude > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  if (negative && magnitude > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

ObjectReader::ObjectReader(const target::AddressSpace& memory, const layout::Layout& layout,
                           ReadLimits limits)
    : memory_(memory), layout_(layout), limits_(limits) {}

std::optional<int64_t> ObjectReader::refcount(uint64_t obj) const {
  return detail::read_i64(*this, obj, F::object_refcnt);
}

bool ObjectReader::is_immortal(uint64_t obj) const {
  // 3.12+: immortal objects have the sign bit of the low 32 bits set.
  if (layout_.models.refcounts != layout::RefcountModel::kImmortal) return false;
  auto rc = refcount(obj);
  return rc && static_cast<int32_t>(static_cast<uint32_t>(*rc)) < 0;
}

std::optional<uint64_t> ObjectReader::type_of(uint64_t obj) const {
  if (obj == 0) return std::nullopt;
  return detail::read_u64(*this, obj, F::object_type);
}

std::optional<int64_t> ObjectReader::var_size(uint64_t obj) const {
  return detail::read_i64(*this, obj, F::varobject_size_field);
}

std::optional<Ref> ObjectReader::pointer_field(uint64_t obj, F field) const {
  if (obj == 0 || !layout_.has(field)) return std::nullopt;
  uint64_t slot = obj + static_cast<uint64_t>(layout_.off(field));
  auto value = memory_.u64(slot);
  if (!value) return std::nullopt;
  return Ref{*value, slot};
}

// ---- types

TypeHandle ObjectReader::type_info(uint64_t type) const {
  if (auto it = types_.find(type); it != types_.end()) return it->second;
  TypeHandle info = make_type_info(type);
  // Bounded: garbage type pointers from a corrupt heap must not grow the cache forever.
  if (types_.size() < limits_.max_cached_types) types_.emplace(type, info);
  return info;
}

TypeHandle ObjectReader::type_info_of(uint64_t obj) const {
  auto type = type_of(obj);
  return type_info(type ? *type : 0);
}

TypeHandle ObjectReader::make_type_info(uint64_t type) const {
  auto info = std::make_shared<TypeInfo>();
  info->address = type;
  if (type == 0 || type % 8 != 0) return info;
  auto flags = detail::read_u64(*this, type, F::type_flags);
  auto name_ptr = detail::read_u64(*this, type, F::type_name);
  auto meta = type_of(type);
  if (!flags || !name_ptr || !meta) return info;
  info->readable = true;
  info->flags = *flags;
  info->basicsize = detail::read_i64(*this, type, F::type_basicsize).value_or(0);
  info->itemsize = detail::read_i64(*this, type, F::type_itemsize).value_or(0);
  info->dictoffset = detail::read_i64(*this, type, F::type_dictoffset).value_or(0);
  info->weaklistoffset = detail::read_i64(*this, type, F::type_weaklistoffset).value_or(0);
  info->base = detail::read_u64(*this, type, F::type_base).value_or(0);
  info->mro = detail::read_u64(*this, type, F::type_mro).value_or(0);
  info->bases = detail::read_u64(*this, type, F::type_bases).value_or(0);
  info->dict = detail::read_u64(*this, type, F::type_dict).value_or(0);
  info->members = detail::read_u64(*this, type, F::type_members).value_or(0);
  info->traverse = detail::read_u64(*this, type, F::type_traverse).value_or(0);
  info->is_gc = detail::read_u64(*this, type, F::type_is_gc).value_or(0);
  info->is_heap_type = (info->flags & layout_.constants.tpflags_heaptype) != 0;
  if (info->is_heap_type) {
    info->cached_keys = detail::read_u64(*this, type, F::heaptype_cached_keys).value_or(0);
    info->heap_qualname = detail::read_u64(*this, type, F::heaptype_qualname).value_or(0);
    info->heap_module = detail::read_u64(*this, type, F::heaptype_module).value_or(0);
  }
  auto name = memory_.cstring(*name_ptr, 512);
  // A type object's own type is `type` or a metaclass (TYPE_SUBCLASS flag).
  bool meta_ok = *meta == layout_.roots.type_type;
  if (!meta_ok && *meta != 0) {
    auto meta_flags = detail::read_u64(*this, *meta, F::type_flags);
    meta_ok = meta_flags && (*meta_flags & detail::kTpflagsTypeSubclass);
  }
  // tp_name of static types lives in the library's .rodata, which a core may lack (gcore
  // does not dump unmodified file pages): the type stays usable, its name is unknown.
  info->name = name ? std::move(*name) : std::string("<unreadable tp_name>");
  info->valid = meta_ok && info->basicsize >= 0 && info->itemsize >= 0;
  if (info->valid) info->member_list = detail::read_members(*this, info->members);
  info->kind = classify(*info);
  return info;
}

bool ObjectReader::is_subtype(uint64_t type, uint64_t base) const {
  if (type == 0 || base == 0) return false;
  if (type == base) return true;
  TypeHandle t = type_info(type);
  return t->valid && mro_contains(*t, base);
}

bool ObjectReader::mro_contains(const TypeInfo& t, uint64_t base) const {
  if (t.address == base) return true;
  // Read tp_mro as a raw tuple (no type lookups: this runs while classifying a type).
  if (t.mro != 0) {
    auto size = var_size(t.mro);
    auto items = detail::field_addr(*this, t.mro, F::tuple_item);
    if (size && items && *size >= 0 && static_cast<uint64_t>(*size) <= limits_.max_mro) {
      std::vector<uint64_t> mro(static_cast<size_t>(*size));
      if (mro.empty() || memory_.read(*items, mro.data(), mro.size() * 8)) {
        for (uint64_t m : mro)
          if (m == base) return true;
        return false;
      }
    }
  }
  // No readable MRO (e.g. a type being created): follow tp_base.
  std::unordered_set<uint64_t> seen;
  for (uint64_t cur = t.base; cur != 0 && seen.size() < limits_.max_mro;) {
    if (cur == base) return true;
    if (!seen.insert(cur).second) break;
    cur = detail::read_u64(*this, cur, F::type_base).value_or(0);
  }
  return false;
}

Kind ObjectReader::classify(const TypeInfo& t) const {
  if (!t.valid) return Kind::kUnknown;
  const layout::Roots& r = layout_.roots;
  const struct {
    uint64_t root;
    Kind kind;
  } exact[] = {
      {r.bool_type, Kind::kBool},
      {r.int_type, Kind::kInt},
      {r.float_type, Kind::kFloat},
      {r.str_type, Kind::kStr},
      {r.bytes_type, Kind::kBytes},
      {r.tuple_type, Kind::kTuple},
      {r.list_type, Kind::kList},
      {r.dict_type, Kind::kDict},
      {r.set_type, Kind::kSet},
      {r.frozenset_type, Kind::kFrozenSet},
      {r.type_type, Kind::kType},
      {r.module_type, Kind::kModule},
      {r.function_type, Kind::kFunction},
      {r.code_type, Kind::kCode},
      {r.frame_type, Kind::kFrame},
      {r.cell_type, Kind::kCell},
      {r.method_type, Kind::kMethod},
      {r.cfunction_type, Kind::kBuiltinFunction},
      {r.gen_type, Kind::kGenerator},
      {r.coro_type, Kind::kCoroutine},
      {r.asyncgen_type, Kind::kAsyncGenerator},
      {r.traceback_type, Kind::kTraceback},
  };
  for (const auto& e : exact)
    if (e.root != 0 && e.root == t.address) return e.kind;
  // Subclasses: CPython's fast-subclass bits in tp_flags.
  const struct {
    uint64_t bit;
    Kind kind;
  } fast[] = {
      {1ull << 24, Kind::kInt},       {1ull << 25, Kind::kList}, {1ull << 26, Kind::kTuple},
      {1ull << 27, Kind::kBytes},     {1ull << 28, Kind::kStr},  {1ull << 29, Kind::kDict},
      {1ull << 30, Kind::kException}, {1ull << 31, Kind::kType},
  };
  for (const auto& f : fast)
    if (t.flags & f.bit) return f.kind;
  // Types without a fast bit: walk the MRO (once per type, the result is cached).
  // PyCMethod_Type (3.9+) is a static subclass of builtin_function_or_method.
  const struct {
    uint64_t root;
    Kind kind;
  } slow[] = {{r.float_type, Kind::kFloat},
              {r.set_type, Kind::kSet},
              {r.frozenset_type, Kind::kFrozenSet},
              {r.module_type, Kind::kModule},
              {r.cfunction_type, Kind::kBuiltinFunction}};
  for (const auto& s : slow)
    if (s.root != 0 && mro_contains(t, s.root)) return s.kind;
  return Kind::kInstance;
}

Kind ObjectReader::kind_of(uint64_t obj) const {
  if (obj == 0) return Kind::kUnknown;
  const layout::Roots& r = layout_.roots;
  if (r.none != 0 && obj == r.none) return Kind::kNone;
  if ((r.true_ != 0 && obj == r.true_) || (r.false_ != 0 && obj == r.false_)) return Kind::kBool;
  auto type = type_of(obj);
  if (!type) return Kind::kUnknown;
  Kind k = type_info(*type)->kind;
  // Without a root for None, recognise NoneType by name.
  if (k == Kind::kInstance && r.none == 0 && type_info(*type)->name == "NoneType")
    return Kind::kNone;
  return k;
}

bool ObjectReader::is_exact(uint64_t obj, uint64_t root_type) const {
  auto type = type_of(obj);
  return type && root_type != 0 && *type == root_type;
}

std::string ObjectReader::type_module(const TypeInfo& t) const {
  if (t.is_heap_type && t.dict != 0) {
    if (auto m = dict_get(t.dict, "__module__"))
      if (auto s = str(m->object, 256)) return s->utf8;
    return "";
  }
  size_t dot = t.name.rfind('.');
  return dot == std::string::npos ? "builtins" : t.name.substr(0, dot);
}

std::string ObjectReader::type_qualname(const TypeInfo& t) const {
  if (t.is_heap_type && t.heap_qualname != 0)
    if (auto s = str(t.heap_qualname, 512)) return s->utf8;
  size_t dot = t.name.rfind('.');
  return dot == std::string::npos ? t.name : t.name.substr(dot + 1);
}

}  // namespace pycore::python
