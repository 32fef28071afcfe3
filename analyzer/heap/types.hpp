// The heap's view of every type it meets: how to find an instance's referents.
//
// Built on python::ObjectReader::type_info (tp_* fields, tp_members) and kept compact: the
// graph stores a 32-bit type number per object. What an instance owns follows CPython's
// subtype_traverse(): the __slots__ members of each Python class in the MRO chain, the
// instance __dict__ the class added, a reference to a heap type, and then whatever the
// nearest base with its own tp_traverse visits (the "boundary" base, a builtin we model or a
// C type we scan conservatively).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "pycore/layout/layout.hpp"
#include "pycore/python/objects.hpp"

namespace pycore::heap {

// How the referents of the boundary base are found.
enum class Shape : uint8_t {
  kAtomic,  // holds no object pointers (int, str, bytes, float, ...)
  kObject,  // `object`: nothing beyond what the subclasses add
  kTuple,
  kList,
  kDict,
  kSet,  // set and frozenset
  kCell,
  kFunction,
  kMethod,     // bound method
  kCFunction,  // builtin_function_or_method
  kModule,
  kType,
  kFrame,
  kGenerator,  // generator, coroutine, async generator
  kTraceback,
  kException,
  kWeakref,     // weakref.ref and the proxies: wr_callback only (wr_object is borrowed)
  kDescriptor,  // method/member/getset/wrapper/classmethod descriptors: d_type, d_name, ...
  kCode,        // not GC-tracked; expanded as an auxiliary node
  kOpaque,      // a C type we know nothing about: conservative scan only
};
std::string_view to_string(Shape s);

struct HeapType {
  uint64_t address = 0;
  std::string name;            // tp_name; "?" when unreadable
  bool valid = false;          // a real type object (python::TypeInfo::valid)
  bool heap = false;           // Py_TPFLAGS_HEAPTYPE
  bool owns_type = false;      // instances own a reference to the type (see decide())
  bool gc = false;             // Py_TPFLAGS_HAVE_GC
  bool managed_dict = false;   // 3.11+ Py_TPFLAGS_MANAGED_DICT
  bool preheader = false;      // 3.11+: two words before the GC head (managed dict/weakref)
  bool inline_values = false;  // 3.13+ Py_TPFLAGS_INLINE_VALUES
  bool is_type = false;        // instances are type objects (metatypes)
  Shape shape = Shape::kOpaque;
  int64_t basicsize = 0;
  int64_t itemsize = 0;
  uint64_t flags = 0;
  // A __dict__ the Python classes added (tp_dictoffset differs from the boundary base's);
  // 0 when none or when it is managed (managed_dict).
  int64_t dictoffset = 0;
  uint64_t cached_keys = 0;  // ht_cached_keys, for slot names of shared-key values
  // Object-holding __slots__ members: TypeTable::members()[members_begin, members_end).
  uint32_t members_begin = 0, members_end = 0;
  // Bytes of the instance that the boundary's C type owns but we cannot name:
  // [scan_from, scan_to) is scanned for pointers to known objects (conservative edges).
  uint32_t scan_from = 0, scan_to = 0;
  bool scan_var_part = false;  // also scan the variable-size part (itemsize * |ob_size|)
};

struct SlotMember {
  int64_t offset = 0;
  std::string name;
};

class TypeTable {
 public:
  TypeTable(const python::ObjectReader& reader, const layout::Layout& layout);

  // Number of the type at `address`, reading it the first time. Not thread-safe.
  uint32_t intern(uint64_t address);
  // Number of an already interned type; UINT32_MAX when unknown. Thread-safe after freeze().
  uint32_t find(uint64_t address) const;

  // Decides every interned type's shape. Call once after the types of all GC objects are
  // interned: it needs them all to recognise subtype_traverse (see types.cpp).
  void freeze();

  const HeapType& operator[](uint32_t i) const { return types_[i]; }
  size_t size() const { return types_.size(); }
  const std::vector<SlotMember>& members() const { return members_; }
  uint64_t subtype_traverse() const { return subtype_traverse_; }

 private:
  enum class NameCheck { kOk, kMissing, kBad };
  NameCheck check_tp_name(uint64_t type, bool heap, std::string& name) const;
  void decide(HeapType& t);
  Shape builtin_shape(uint64_t type) const;

  const python::ObjectReader& reader_;
  const layout::Layout& layout_;
  std::vector<HeapType> types_;
  std::vector<python::TypeHandle> info_;  // parallel to types_
  std::vector<SlotMember> members_;
  std::unordered_map<uint64_t, uint32_t> index_;
  uint64_t subtype_traverse_ = 0;
  bool frozen_ = false;
};

}  // namespace pycore::heap
