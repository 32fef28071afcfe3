// Struct layouts from the python module's DWARF, read with LLVM. Built as a plugin
// (libpycore_dwarf.so) that dwarf_plugin.cpp loads only on a layout-cache miss: loading
// libLLVM costs ~40 ms and ~50 MB, four times the whole stack report's budget.
//
// Reading all of libpython's DWARF costs 0.2-2 s; the report's budget is 10 ms. So only
// the compile units that define the structs we need are parsed: each type has a short
// list of source files that define it (Python/pystate.c defines the thread state, ...),
// matched against each unit's DW_AT_name (cheap: only unit headers are read). Types still
// missing after that are searched in every unit, but only when they are expected to exist
// (the built-in table of the same minor says so) or when nothing better is known. The
// result is cached by build-id (layout_cache.cpp), so this runs once per build.
#include <llvm/ADT/StringMap.h>
#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>
#include <llvm/DebugInfo/DWARF/DWARFFormValue.h>
#include <llvm/DebugInfo/DWARF/DWARFUnit.h>
#include <llvm/Object/Decompressor.h>
#include <llvm/Object/ObjectFile.h>
#include <llvm/Support/Error.h>
#include <llvm/Support/MemoryBuffer.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "pycore/layout/sources.hpp"

namespace pycore::layout {

Result<DwarfLayout> read_dwarf_layout_with_llvm(const std::string& path,
                                                const DwarfOptions& options);

namespace {

using llvm::DWARFDie;
namespace dw = llvm::dwarf;

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  if (s.empty()) return out;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string_view::npos ? s.size() - start : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

// Source files that define each type (first alternative of its fields.def type list),
// in the order worth trying. Paths are matched as suffixes of DW_AT_name.
struct UnitHint {
  std::string_view type;
  std::vector<std::string_view> units;
};

const std::vector<UnitHint>& unit_hints() {
  static const std::vector<UnitHint> hints = {
      {"PyObject", {"Objects/typeobject.c"}},
      {"PyVarObject", {"Objects/typeobject.c"}},
      {"PyTypeObject", {"Objects/typeobject.c"}},
      {"PyHeapTypeObject", {"Objects/typeobject.c"}},
      {"PyMemberDef", {"Objects/typeobject.c", "Objects/descrobject.c"}},
      {"_PyRuntimeState", {"Python/pystate.c"}},
      {"PyInterpreterState", {"Python/pystate.c"}},
      {"PyThreadState", {"Python/pystate.c"}},
      {"_PyCFrame", {"Python/pystate.c", "Python/ceval.c"}},
      {"_PyErr_StackItem", {"Python/pystate.c", "Python/errors.c"}},
      {"PyFrameObject", {"Objects/frameobject.c"}},
      {"_PyInterpreterFrame", {"Objects/frameobject.c", "Python/frame.c"}},
      {"PyCodeObject", {"Objects/codeobject.c"}},
      {"PyASCIIObject", {"Objects/unicodeobject.c"}},
      {"PyCompactUnicodeObject", {"Objects/unicodeobject.c"}},
      {"PyUnicodeObject", {"Objects/unicodeobject.c"}},
      {"PyBytesObject", {"Objects/bytesobject.c"}},
      {"PyLongObject", {"Objects/longobject.c"}},
      {"PyFloatObject", {"Objects/floatobject.c"}},
      {"PyTupleObject", {"Objects/tupleobject.c"}},
      {"PyListObject", {"Objects/listobject.c"}},
      {"PyDictObject", {"Objects/dictobject.c"}},
      {"PyDictKeysObject", {"Objects/dictobject.c"}},
      {"PyDictKeyEntry", {"Objects/dictobject.c"}},
      {"PyDictUnicodeEntry", {"Objects/dictobject.c"}},
      {"PyDictValues", {"Objects/dictobject.c"}},
      {"PySetObject", {"Objects/setobject.c"}},
      {"setentry", {"Objects/setobject.c"}},
      {"PyModuleObject", {"Objects/moduleobject.c"}},
      {"PyFunctionObject", {"Objects/funcobject.c"}},
      {"PyCellObject", {"Objects/cellobject.c"}},
      {"PyMethodObject", {"Objects/classobject.c"}},
      {"PyCFunctionObject", {"Objects/methodobject.c"}},
      {"PyGenObject", {"Objects/genobject.c"}},
      {"PyBaseExceptionObject", {"Objects/exceptions.c"}},
      {"PyTracebackObject", {"Python/traceback.c"}},
      {"PyGC_Head", {"Modules/gcmodule.c", "Python/gc.c"}},
      {"gc_generation", {"Modules/gcmodule.c", "Python/gc.c"}},
      {"_gc_runtime_state", {"Modules/gcmodule.c", "Python/gc.c"}},
      {"_gil_runtime_state", {"Python/pystate.c", "Python/ceval_gil.c", "Python/ceval.c"}},
      {"pool_header", {"Objects/obmalloc.c"}},
      {"arena_object", {"Objects/obmalloc.c"}},
      {"_obmalloc_state", {"Objects/obmalloc.c", "Python/pystate.c"}},
  };
  return hints;
}

bool path_matches(std::string_view unit_name, std::string_view suffix) {
  if (!unit_name.ends_with(suffix)) return false;
  return unit_name.size() == suffix.size() ||
         unit_name[unit_name.size() - suffix.size() - 1] == '/';
}

bool is_record(dw::Tag t) {
  return t == dw::DW_TAG_structure_type || t == dw::DW_TAG_union_type;
}

// Follows typedefs and qualifiers to the underlying type.
DWARFDie strip(DWARFDie t) {
  for (int guard = 0; t && guard < 32; ++guard) {
    switch (t.getTag()) {
      case dw::DW_TAG_typedef:
      case dw::DW_TAG_const_type:
      case dw::DW_TAG_volatile_type:
      case dw::DW_TAG_restrict_type:
      case dw::DW_TAG_atomic_type:
        t = t.getAttributeValueAsReferencedDie(dw::DW_AT_type);
        break;
      default:
        return t;
    }
  }
  return t;
}

std::optional<uint64_t> unsigned_attr(DWARFDie die, dw::Attribute a) {
  if (auto v = die.find(a)) {
    if (auto u = v->getAsUnsignedConstant()) return *u;
  }
  return std::nullopt;
}

// The type's size in bytes; 0 for an array of unknown extent (a flexible array member).
uint64_t type_size(DWARFDie t) {
  t = strip(t);
  if (!t) return 0;
  if (std::optional<uint64_t> s = unsigned_attr(t, dw::DW_AT_byte_size)) return *s;
  switch (t.getTag()) {
    case dw::DW_TAG_pointer_type:
    case dw::DW_TAG_reference_type:
      return t.getDwarfUnit()->getAddressByteSize();
    case dw::DW_TAG_array_type: {
      uint64_t n = type_size(t.getAttributeValueAsReferencedDie(dw::DW_AT_type));
      bool any_dim = false;
      for (DWARFDie dim : t.children()) {
        if (dim.getTag() != dw::DW_TAG_subrange_type) continue;
        any_dim = true;
        uint64_t count = 0;
        if (std::optional<uint64_t> c = unsigned_attr(dim, dw::DW_AT_count)) {
          count = *c;
        } else if (auto ub = dim.find(dw::DW_AT_upper_bound)) {
          auto s = ub->getAsSignedConstant();
          auto u = ub->getAsUnsignedConstant();
          int64_t upper = s ? *s : (u ? static_cast<int64_t>(*u) : -1);
          int64_t lower =
              static_cast<int64_t>(unsigned_attr(dim, dw::DW_AT_lower_bound).value_or(0));
          count = upper >= lower ? static_cast<uint64_t>(upper - lower + 1) : 0;
        }
        n *= count;  // no bound: a flexible array, size 0
      }
      return any_dim ? n : 0;
    }
    default:
      return 0;
  }
}

std::optional<int64_t> member_offset(DWARFDie member) {
  auto v = member.find(dw::DW_AT_data_member_location);
  if (!v) return 0;  // union members carry no location
  if (auto u = v->getAsUnsignedConstant()) return static_cast<int64_t>(*u);
  // DWARF 2 style: a location expression, in practice DW_OP_plus_uconst <uleb128>.
  if (auto block = v->getAsBlock()) {
    if (!block->empty() && (*block)[0] == dw::DW_OP_plus_uconst) {
      uint64_t value = 0;
      unsigned shift = 0;
      for (size_t i = 1; i < block->size() && shift < 64; ++i, shift += 7) {
        value |= static_cast<uint64_t>((*block)[i] & 0x7f) << shift;
        if (!((*block)[i] & 0x80)) return static_cast<int64_t>(value);
      }
    }
  }
  return std::nullopt;
}

class Reader {
 public:
  explicit Reader(llvm::DWARFContext& ctx) : ctx_(ctx) {
    for (const auto& unit : ctx_.compile_units()) {
      DWARFDie die = unit->getUnitDIE(/*ExtractUnitDIEOnly=*/true);
      units_.push_back(
          Unit{unit.get(), std::string(llvm::dwarf::toStringRef(die.find(dw::DW_AT_name))), false});
    }
    for (size_t i = 0; i < kFieldCount; ++i) {
      for (std::string_view name : split(field_info(static_cast<F>(i)).types, '|'))
        wanted_.insert(name);
    }
  }

  size_t units_total() const { return units_.size(); }
  size_t units_parsed() const { return parsed_; }

  // Parses every not-yet-parsed unit whose name ends with `suffix`.
  void parse_units(std::string_view suffix) {
    for (Unit& u : units_) {
      if (!u.parsed && path_matches(u.name, suffix)) parse(u);
    }
  }
  // Parses units one by one until `done()` holds; false when all were parsed in vain.
  template <class Pred>
  bool parse_until(Pred done) {
    for (Unit& u : units_) {
      if (done()) return true;
      if (!u.parsed) parse(u);
    }
    return done();
  }

  // The complete struct/union behind a type name (typedef or tag), if seen so far.
  DWARFDie record(std::string_view name) const {
    auto it = index_.find(std::string(name));
    if (it == index_.end()) return {};
    DWARFDie t = strip(it->second);
    return complete(t);
  }

  // A record type, completed from the index when this DIE is only a declaration.
  DWARFDie complete(DWARFDie t) const {
    if (!t || !is_record(t.getTag())) return {};
    if (!t.find(dw::DW_AT_declaration)) return t;
    const char* tag = t.getShortName();
    if (!tag) return {};
    auto it = definitions_.find(tag);
    return it == definitions_.end() ? DWARFDie() : it->second;
  }

 private:
  struct Unit {
    llvm::DWARFUnit* unit;
    std::string name;
    bool parsed;
  };

  void parse(Unit& u) {
    u.parsed = true;
    ++parsed_;
    DWARFDie root = u.unit->getUnitDIE(/*ExtractUnitDIEOnly=*/false);
    for (DWARFDie die : root.children()) {
      dw::Tag tag = die.getTag();
      if (!is_record(tag) && tag != dw::DW_TAG_typedef) continue;
      const char* name = die.getShortName();
      if (!name) continue;
      bool declaration = die.find(dw::DW_AT_declaration).hasValue();
      // Complete definitions by tag, to finish typedefs of forward-declared structs.
      if (is_record(tag) && !declaration) definitions_.try_emplace(name, die);
      if (!wanted_.count(name)) continue;
      auto it = index_.find(name);
      // Prefer an entry that leads to a complete definition over a declaration.
      if (it == index_.end()) {
        index_.emplace(name, die);
      } else if (!complete(strip(it->second)) && complete(strip(die))) {
        it->second = die;
      }
    }
  }

  llvm::DWARFContext& ctx_;
  std::vector<Unit> units_;
  size_t parsed_ = 0;
  std::unordered_set<std::string_view> wanted_;
  std::unordered_map<std::string, DWARFDie> index_;
  std::unordered_map<std::string, DWARFDie> definitions_;
};

// Finds `name` among a record's members, looking into anonymous struct/union members.
bool find_member(const Reader& r, DWARFDie record, std::string_view name, int64_t base,
                 int64_t& offset, DWARFDie& type) {
  for (DWARFDie m : record.children()) {
    if (m.getTag() != dw::DW_TAG_member) continue;
    std::optional<int64_t> at = member_offset(m);
    if (!at) continue;
    const char* mname = m.getShortName();
    DWARFDie mtype = m.getAttributeValueAsReferencedDie(dw::DW_AT_type);
    if (mname && name == mname) {
      offset = base + *at;
      type = mtype;
      return true;
    }
    if (!mname) {
      DWARFDie inner = r.complete(strip(mtype));
      if (inner && find_member(r, inner, name, base + *at, offset, type)) return true;
    }
  }
  return false;
}

std::optional<FieldLoc> resolve_path(const Reader& r, DWARFDie record, std::string_view path) {
  int64_t offset = 0;
  DWARFDie type;
  DWARFDie current = record;
  std::vector<std::string_view> parts = split(path, '.');
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!current || !find_member(r, current, parts[i], offset, offset, type)) return std::nullopt;
    if (i + 1 < parts.size()) current = r.complete(strip(type));
  }
  return FieldLoc{offset, static_cast<uint32_t>(type_size(type)), Source::kDwarf};
}

// The record for a field's type list, or an invalid DIE when none is known yet.
DWARFDie record_for(const Reader& r, const FieldInfo& info) {
  for (std::string_view name : split(info.types, '|')) {
    if (DWARFDie d = r.record(name)) return d;
  }
  return {};
}

// Types of which at least one field is expected to be present.
bool type_expected(const FieldInfo& info, const DwarfOptions& options) {
  if (!options.expected) return true;
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (field_info(static_cast<F>(i)).types == info.types && (*options.expected)[i].present())
      return true;
  }
  return false;
}

// The debug sections that type information needs. Reading only these matters for
// compressed debug files (Debian's): LLVM would otherwise inflate every debug section,
// location lists and line tables included, before the first DIE is read.
constexpr std::string_view kTypeSections[] = {"debug_info",     "debug_abbrev", "debug_str",
                                              "debug_line_str", "debug_addr",   "debug_str_offsets",
                                              "debug_rnglists"};

struct Sections {
  llvm::StringMap<std::unique_ptr<llvm::MemoryBuffer>> buffers;  // name without the dot
  // Decompressed data; a deque so that growing it never moves (or copies) earlier buffers.
  std::deque<llvm::SmallVector<char, 0>> inflated;
  bool has_info = false;
};

// Collects (and inflates when compressed) the sections named in kTypeSections.
llvm::Error collect_sections(const llvm::object::ObjectFile& object, Sections& out) {
  for (const llvm::object::SectionRef& section : object.sections()) {
    llvm::Expected<llvm::StringRef> name = section.getName();
    if (!name) return name.takeError();
    llvm::StringRef key = *name;
    if (!key.consume_front(".debug_") && !key.consume_front(".zdebug_")) continue;
    std::string dwarf_name = "debug_" + key.str();
    bool wanted = false;
    for (std::string_view w : kTypeSections) wanted |= w == dwarf_name;
    if (!wanted) continue;
    llvm::Expected<llvm::StringRef> data = section.getContents();
    if (!data) return data.takeError();
    llvm::StringRef bytes = *data;
    if (llvm::object::Decompressor::isCompressed(section)) {
      llvm::Expected<llvm::object::Decompressor> d = llvm::object::Decompressor::create(
          *name, *data, object.isLittleEndian(), object.getBytesInAddress() == 8);
      if (!d) return d.takeError();
      out.inflated.emplace_back();
      if (llvm::Error e = d->resizeAndDecompress(out.inflated.back())) return e;
      bytes = llvm::StringRef(out.inflated.back().data(), out.inflated.back().size());
    }
    out.buffers[dwarf_name] = llvm::MemoryBuffer::getMemBuffer(bytes, dwarf_name, false);
    if (dwarf_name == "debug_info") out.has_info = true;
  }
  return llvm::Error::success();
}

std::string first_alternative(std::string_view types) {
  return std::string(split(types, '|')[0]);
}

}  // namespace

}  // namespace pycore::layout

// The plugin's one entry point, looked up by dwarf_plugin.cpp with dlsym. Both sides are
// built from this tree by the same compiler, so C++ types may cross.
extern "C" __attribute__((visibility("default"))) void pycore_read_dwarf_layout_v1(
    const std::string& path, const pycore::layout::DwarfOptions& options,
    pycore::Result<pycore::layout::DwarfLayout>* out) {
  *out = pycore::layout::read_dwarf_layout_with_llvm(path, options);
}

namespace pycore::layout {

Result<DwarfLayout> read_dwarf_layout_with_llvm(const std::string& path,
                                                const DwarfOptions& options) {
  auto start = std::chrono::steady_clock::now();
  llvm::Expected<llvm::object::OwningBinary<llvm::object::ObjectFile>> binary =
      llvm::object::ObjectFile::createObjectFile(path);
  if (!binary) {
    std::string why = llvm::toString(binary.takeError());
    return Error{ExitCode::kInputUnreadable, "cannot read DWARF from " + path + ": " + why};
  }
  const llvm::object::ObjectFile& object = *binary->getBinary();
  Sections sections;
  if (llvm::Error e = collect_sections(object, sections)) {
    std::string why = llvm::toString(std::move(e));
    return Error{ExitCode::kInputUnreadable, "cannot read DWARF from " + path + ": " + why};
  }
  if (!sections.has_info)
    return Error{ExitCode::kInputUnreadable, path + " has no DWARF (.debug_info)"};

  // Damaged DIEs show up as missing types or members below; LLVM's messages would only
  // clutter stderr.
  auto ignore = [](llvm::Error e) { llvm::consumeError(std::move(e)); };
  std::unique_ptr<llvm::DWARFContext> ctx = llvm::DWARFContext::create(
      sections.buffers, object.getBytesInAddress(), object.isLittleEndian(), ignore, ignore);
  Reader reader(*ctx);

  // 1. The units that usually define each expected type.
  for (const UnitHint& hint : unit_hints()) {
    std::optional<F> any;
    for (size_t i = 0; i < kFieldCount; ++i) {
      if (first_alternative(field_info(static_cast<F>(i)).types) == hint.type) {
        any = static_cast<F>(i);
        break;
      }
    }
    if (!any || !type_expected(field_info(*any), options)) continue;
    for (std::string_view unit : hint.units) {
      if (record_for(reader, field_info(*any))) break;
      reader.parse_units(unit);
    }
  }

  // 2. Every other unit, while an expected type is still missing.
  auto all_found = [&]() {
    for (size_t i = 0; i < kFieldCount; ++i) {
      const FieldInfo& info = field_info(static_cast<F>(i));
      if (type_expected(info, options) && !record_for(reader, info)) return false;
    }
    return true;
  };
  DwarfLayout out;
  if (!all_found() && options.allow_full_scan) {
    out.full_scan = true;
    reader.parse_until(all_found);
  }

  // 3. Members along each path alternative.
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldInfo& info = field_info(static_cast<F>(i));
    DWARFDie record = record_for(reader, info);
    if (!record) continue;
    out.known[i] = true;
    if (info.is_size) {
      if (std::optional<uint64_t> size = unsigned_attr(record, dw::DW_AT_byte_size))
        out.fields[i] =
            FieldLoc{static_cast<int64_t>(*size), static_cast<uint32_t>(*size), Source::kDwarf};
      continue;
    }
    for (std::string_view p : split(info.paths, '|')) {
      if (std::optional<FieldLoc> loc = resolve_path(reader, record, p)) {
        out.fields[i] = *loc;
        break;
      }
    }
  }
  out.file = path;
  out.units_total = reader.units_total();
  out.units_parsed = reader.units_parsed();
  out.milliseconds =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace pycore::layout
