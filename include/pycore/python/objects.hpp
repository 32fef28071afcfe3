// Typed, bounded views of Python objects in the crashed process.
//
// Every reader takes an object address, reads through the AddressSpace only, checks what
// it reads (type pointer, sizes, counts) and returns std::nullopt when the memory is
// unreadable or does not look like the expected object. Every walk takes an item limit;
// results say when they were truncated. Nothing here follows a pointer without bounds.
//
// Version differences come only from layout::Layout (offsets, `models`, `roots`).
//
// Thread-safety: an ObjectReader caches type information in mutable state; use one reader
// per thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/target/address_space.hpp"

namespace pycore::python {

// What an object is, decided from its type pointer (exact builtin types via layout.roots)
// and, for subclasses, tp_flags fast-subclass bits or the MRO.
enum class Kind : uint8_t {
  kUnknown,  // type unreadable or not a type object
  kNone,
  kBool,
  kInt,
  kFloat,
  kStr,
  kBytes,
  kTuple,
  kList,
  kDict,
  kSet,
  kFrozenSet,
  kType,
  kModule,
  kFunction,
  kCode,
  kFrame,
  kCell,
  kMethod,           // bound method (PyMethodObject)
  kBuiltinFunction,  // builtin_function_or_method (PyCFunctionObject)
  kGenerator,
  kCoroutine,
  kAsyncGenerator,
  kTraceback,
  kException,  // instance of a BaseException subclass
  kInstance,   // any other object whose type is readable
};
std::string_view to_string(Kind k);  // "int", "str", "instance", ...

// A pointer read from the target and the address of the slot it was read from (the slot
// address lets the heap stage name and check referents).
struct Ref {
  uint64_t object = 0;
  uint64_t slot = 0;
};

// A member of tp_members (PyMemberDef), e.g. a __slots__ entry of a heap type.
struct MemberInfo {
  std::string name;
  int type = 0;        // T_OBJECT (6), T_OBJECT_EX (16), ...
  int64_t offset = 0;  // from the start of the object
  bool holds_object() const { return type == 6 || type == 16; }
};

struct TypeInfo {
  uint64_t address = 0;
  std::string name;  // tp_name as stored (heap types: the bare class name)
  uint64_t flags = 0;
  int64_t basicsize = 0;
  int64_t itemsize = 0;
  int64_t dictoffset = 0;
  int64_t weaklistoffset = 0;
  uint64_t base = 0;                    // tp_base
  uint64_t mro = 0;                     // tp_mro (tuple), 0 when NULL
  uint64_t bases = 0;                   // tp_bases (tuple)
  uint64_t dict = 0;                    // tp_dict (NULL for static builtin types in 3.12+)
  uint64_t members = 0;                 // tp_members (PyMemberDef*)
  uint64_t traverse = 0;                // tp_traverse function pointer
  uint64_t is_gc = 0;                   // tp_is_gc function pointer
  uint64_t cached_keys = 0;             // heap types: ht_cached_keys
  uint64_t heap_qualname = 0;           // heap types: ht_qualname (str)
  uint64_t heap_module = 0;             // heap types: ht_module (3.9+)
  std::vector<MemberInfo> member_list;  // tp_members decoded (bounded)
  bool is_heap_type = false;
  bool readable = false;       // the type object's header could be read
  bool valid = false;          // readable and Py_TYPE(type) is a type (tp_name may still be
                               // unreadable: then name is "<unreadable tp_name>")
  Kind kind = Kind::kUnknown;  // kind of the *instances* of this type

  bool has_flag(uint64_t bit) const { return (flags & bit) != 0; }
};
using TypeHandle = std::shared_ptr<const TypeInfo>;  // never null when returned

// PEP 393 str decoded to UTF-8 (lone surrogates are encoded as WTF-8/"surrogateescape"
// style 3-byte sequences so nothing is lost).
struct StrValue {
  std::string utf8;
  std::vector<uint32_t> code_points;  // filled only when asked (for repr escaping)
  int64_t length = 0;                 // code points in the object
  int kind = 1;                       // 1, 2 or 4 bytes per code point
  bool ascii = false;
  bool truncated = false;  // length > max_chars
};

struct BytesValue {
  std::string data;  // raw bytes
  int64_t length = 0;
  bool truncated = false;
};

struct IntValue {
  bool negative = false;
  std::string decimal;   // magnitude in decimal; empty when too_big
  int64_t ndigits = 0;   // 30-bit digits
  bool too_big = false;  // more digits than the limit: no decimal produced
  std::optional<int64_t> as_int64() const;
};

struct Items {
  std::vector<Ref> items;
  int64_t length = 0;  // ob_size as read
  bool truncated = false;
};

struct DictEntry {
  Ref key;
  Ref value;
};

struct DictItems {
  std::vector<DictEntry> entries;  // insertion order
  int64_t used = 0;                // ma_used (or the values' count for bare values)
  bool split = false;              // values come from a separate values array
  bool truncated = false;
  uint64_t keys = 0;    // PyDictKeysObject*
  uint64_t values = 0;  // values array (split tables / inline values), 0 when combined
};

struct FunctionInfo {
  Ref code, globals, name, qualname, module, defaults, kwdefaults, closure, doc, dict, annotations;
};
struct MethodInfo {
  Ref func, self;
};
struct BuiltinFunctionInfo {
  std::string name;  // ml_name
  uint64_t method_def = 0;
  Ref self, module;
};
struct ModuleInfo {
  Ref dict, name;
};
struct CodeInfo {
  uint64_t address = 0;
  Ref filename, name, qualname;  // qualname only 3.11+
  Ref linetable;                 // co_lnotab (<= 3.9) / co_linetable (3.10+), bytes
  int firstlineno = 0;
  int argcount = 0;
  int flags = 0;
  // <= 3.10
  Ref varnames, cellvars, freevars;
  int nlocals = 0;
  // 3.11+
  Ref localsplusnames, localspluskinds;
  int nlocalsplus = 0;
  int firsttraceable = 0;
  uint64_t code_adaptive = 0;  // address of co_code_adaptive[0] (3.11+), 0 otherwise
  int64_t code_units = 0;      // 3.11+: Py_SIZE(code)
};
struct ExceptionFields {
  Ref args, traceback, context, cause, dict, notes;
  bool suppress_context = false;
};
struct TracebackFields {
  Ref next, frame;
  int lasti = -1;   // bytes
  int lineno = -1;  // -1 when lazily computed (3.11+)
};
struct GeneratorFields {
  Ref frame;            // <= 3.10: gi_frame (PyFrameObject*)
  uint64_t iframe = 0;  // 3.11+: address of the embedded _PyInterpreterFrame
  Ref code, name, qualname;
  int frame_state = 0;  // 3.11+: gi_frame_state
};

struct ReadLimits {
  size_t max_items = 1u << 20;      // elements returned by one container walk
  size_t max_str_chars = 1u << 20;  // code points decoded from one str
  size_t max_int_digits = 4096;     // 30-bit digits converted to decimal
  size_t max_cached_types = 1u << 16;
  size_t max_mro = 256;  // MRO entries examined for subclass checks
};

class ObjectReader {
 public:
  ObjectReader(const target::AddressSpace& memory, const layout::Layout& layout,
               ReadLimits limits = {});

  const target::AddressSpace& memory() const { return memory_; }
  const layout::Layout& layout() const { return layout_; }
  const ReadLimits& limits() const { return limits_; }

  // ---- header
  std::optional<int64_t> refcount(uint64_t obj) const;  // 3.12+: the full 64-bit field
  bool is_immortal(uint64_t obj) const;                 // 3.12+ only; false before
  std::optional<uint64_t> type_of(uint64_t obj) const;  // ob_type, unchecked
  std::optional<int64_t> var_size(uint64_t obj) const;  // ob_size

  // ---- types (cached by type address, bounded)
  TypeHandle type_info(uint64_t type) const;
  TypeHandle type_info_of(uint64_t obj) const;  // type_info(type_of(obj)), invalid if unreadable
  // Python-visible names: __module__ ("builtins" for static types without a dot) and
  // __qualname__ (heap types: ht_qualname).
  std::string type_module(const TypeInfo& t) const;
  std::string type_qualname(const TypeInfo& t) const;
  // True when `base` is `type` or in its MRO (bounded by limits.max_mro).
  bool is_subtype(uint64_t type, uint64_t base) const;

  // ---- classification
  Kind kind_of(uint64_t obj) const;
  Kind kind_of_type(const TypeInfo& t) const { return t.kind; }
  // Exact builtin type (not a subclass) for the fast paths of repr.
  bool is_exact(uint64_t obj, uint64_t root_type) const;

  // ---- scalars
  std::optional<StrValue> str(uint64_t obj, size_t max_chars, bool want_code_points = false) const;
  // Convenience: whole str (up to limits.max_str_chars) as UTF-8.
  std::optional<std::string> str_utf8(uint64_t obj) const;
  std::optional<BytesValue> bytes(uint64_t obj, size_t max_bytes) const;
  std::optional<IntValue> integer(uint64_t obj) const;  // int and bool (and subclasses)
  std::optional<double> float_value(uint64_t obj) const;

  // ---- containers
  std::optional<Items> tuple_items(uint64_t obj, size_t max_items) const;
  std::optional<Items> list_items(uint64_t obj, size_t max_items) const;
  std::optional<DictItems> dict_items(uint64_t obj, size_t max_items) const;
  std::optional<Items> set_items(uint64_t obj, size_t max_items) const;  // set and frozenset
  // Lookup of a str key (compared by value) in a dict; bounded by limits.max_items.
  std::optional<Ref> dict_get(uint64_t dict, std::string_view key) const;
  // Lookup of an int key (by value) in a dict; for threading._active.
  std::optional<Ref> dict_get_int(uint64_t dict, int64_t key) const;

  // ---- instances
  // The materialised __dict__ object, when there is one (any InstanceDictModel).
  std::optional<uint64_t> instance_dict(uint64_t obj) const;
  // Attributes stored in the instance: the __dict__ if there is one, else the values
  // kept without a dict (3.11 values pre-header, 3.12 tagged values, 3.13 inline values)
  // paired with the type's cached keys.
  std::optional<DictItems> instance_attributes(uint64_t obj, size_t max_items) const;
  std::optional<Ref> instance_attribute(uint64_t obj, std::string_view name) const;

  // ---- other builtin objects (fields as Refs; no type check beyond the kind)
  std::optional<uint64_t> cell_contents(uint64_t obj) const;  // 0 when empty
  std::optional<FunctionInfo> function(uint64_t obj) const;
  std::optional<MethodInfo> method(uint64_t obj) const;
  std::optional<BuiltinFunctionInfo> builtin_function(uint64_t obj) const;
  std::optional<ModuleInfo> module(uint64_t obj) const;
  std::optional<CodeInfo> code(uint64_t obj) const;  // verifies the type is code
  std::optional<ExceptionFields> exception(uint64_t obj) const;
  std::optional<TracebackFields> traceback(uint64_t obj) const;
  std::optional<GeneratorFields> generator(uint64_t obj) const;

  // Reads a pointer-sized field; the Ref carries the field's address.
  std::optional<Ref> pointer_field(uint64_t obj, layout::F field) const;

 private:
  std::optional<DictItems> read_keys(uint64_t keys, uint64_t values, int64_t used,
                                     size_t max_items) const;
  std::optional<DictItems> read_values_with_keys(uint64_t keys, uint64_t values,
                                                 size_t max_items) const;
  std::optional<uint64_t> dict_ptr_by_offset(uint64_t obj, const TypeInfo& t) const;
  TypeHandle make_type_info(uint64_t type) const;
  Kind classify(const TypeInfo& t) const;
  bool mro_contains(const TypeInfo& t, uint64_t base) const;

  const target::AddressSpace& memory_;
  const layout::Layout& layout_;
  ReadLimits limits_;
  mutable std::unordered_map<uint64_t, TypeHandle> types_;
};

}  // namespace pycore::python
