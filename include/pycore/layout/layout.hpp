// Which CPython crashed, and where every field the analyzer reads lives in its memory.
// Produced once by resolve_layout(); read-only for every later stage.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pycore/error.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/modules.hpp"

namespace pycore::layout {

enum class F : uint16_t {
#define PYCORE_FIELD(id, types, paths) id,
#define PYCORE_SIZE(id, types) id,
#include "pycore/layout/fields.def"
#undef PYCORE_FIELD
#undef PYCORE_SIZE
  kCount
};
inline constexpr size_t kFieldCount = static_cast<size_t>(F::kCount);

struct FieldInfo {
  std::string_view id;     // "tstate_next"
  std::string_view types;  // "PyThreadState|_ts"
  std::string_view paths;  // "next"; empty for a sizeof entry
  bool is_size = false;
};
const FieldInfo& field_info(F f);
std::optional<F> field_by_id(std::string_view id);

enum class Source : uint8_t { kAbsent, kDebugOffsets, kDwarf, kBuiltin };
std::string_view to_string(Source s);  // "absent", "debug-offsets", "dwarf", "builtin"

// Offset of a member (or, for a sizeof entry, the size in `offset`) and the member's size.
struct FieldLoc {
  int64_t offset = -1;
  uint32_t size = 0;
  Source source = Source::kAbsent;
  bool present() const { return source != Source::kAbsent; }
};

struct PythonBuild {
  int major = 0, minor = 0, micro = 0;
  int release_level = 0xF;  // 0xA alpha, 0xB beta, 0xC candidate, 0xF final
  int serial = 0;
  uint32_t hexversion = 0;
  bool debug = false;          // Py_DEBUG
  bool trace_refs = false;     // Py_TRACE_REFS: _ob_next/_ob_prev before ob_refcnt
  bool free_threaded = false;  // Py_GIL_DISABLED
  bool pymalloc = true;
  bool shared_libpython = false;
  std::string version_string;  // "3.11.7"
  std::string identified_by;   // "Py_Version", "_Py_DebugOffsets", "version string in .bss", ...
  int python_module = -1;      // index of the module holding the runtime (libpython or exe)
};

// Version-specific logic is chosen here, once, as data; later stages switch on these.
enum class RuntimeRoots { kStatics36, kPyRuntime };
enum class FrameChain {
  kFrameObjects,        // 3.6-3.10: tstate->frame, f_back
  kCFrameInterpFrames,  // 3.11-3.12: tstate->cframe->current_frame, previous
  kInterpFrames,        // 3.13+: tstate->current_frame, previous
};
enum class ShimFrames {
  kNone,           // <= 3.10
  kEntryFlag,      // 3.11: is_entry marks a C-level entry; no shim frames to skip
  kOwnerCStack,    // 3.12-3.13: owner == 3 is a shim frame
  kOwnerAtLeast3,  // 3.14: owner >= 3
};
enum class LineTable {
  kLnotab,        // 3.6-3.9 co_lnotab, lasti in bytes
  kLinetable310,  // 3.10 co_linetable, f_lasti in code units (x2 for bytes)
  kLocations,     // 3.11+ location table, instruction index in code units
};
enum class LocalsModel {
  kFastLocals,  // <= 3.10: co_varnames/cellvars/freevars, f_localsplus
  kLocalsPlus,  // 3.11+: co_localsplusnames/kinds, localsplus
};
enum class RaisedException { kTriple, kSingle };  // curexc_* vs current_exception (3.12+)
enum class HandledException {
  kTstateTriple,    // 3.6: tstate->exc_type/value/traceback
  kStackItems,      // 3.7-3.10: exc_info chain of (type, value, traceback) items
  kStackItemValue,  // 3.11+: exc_info chain of exc_value items
};
enum class IntModel { kSignedSize, kTag };       // ob_size sign (<= 3.11) vs lv_tag (3.12+)
enum class RefcountModel { kPlain, kImmortal };  // 3.12+: immortal objects exist
enum class DictKeysModel { kSized, kLog2 };      // dk_size (<= 3.10) vs dk_log2_size (3.11+)
enum class SplitValuesModel { kArray, kPrefixed, kStruct };  // <=3.10, 3.11-3.12, 3.13+
enum class InstanceDictModel {
  kDictOffset,        // tp_dictoffset only
  kManagedPreheader,  // 3.11: dict at obj[-3], values at obj[-4]
  kTaggedPreheader,   // 3.12: obj[-3] is dict or (values | 1)
  kInlineValues,      // 3.13+: obj[-3] dict; inline values after the header
};
enum class GcHeadModel { kSeparateRefs, kPackedFlags };  // 32-byte (3.6/3.7) vs 16-byte
enum class GcStateLocation { kStatics36, kRuntime, kInterpreter };
enum class GilLocation { kStatics36, kRuntime, kInterpreterPointer };
// How pymalloc's address_in_range() places an address in an arena.
enum class ArenaMap {
  kTable,    // <= 3.9: arenas[pool->arenaindex]
  kRadix48,  // 3.10: radix tree over the low 48 address bits
  kRadix64,  // 3.11+: radix tree over all 64 bits
};

struct Models {
  RuntimeRoots roots = RuntimeRoots::kPyRuntime;
  FrameChain frames = FrameChain::kFrameObjects;
  ShimFrames shims = ShimFrames::kNone;
  LineTable line_table = LineTable::kLnotab;
  LocalsModel locals = LocalsModel::kFastLocals;
  RaisedException raised = RaisedException::kTriple;
  HandledException handled = HandledException::kStackItems;
  IntModel ints = IntModel::kSignedSize;
  RefcountModel refcounts = RefcountModel::kPlain;
  DictKeysModel dict_keys = DictKeysModel::kSized;
  SplitValuesModel split_values = SplitValuesModel::kArray;
  InstanceDictModel instance_dict = InstanceDictModel::kDictOffset;
  GcHeadModel gc_head = GcHeadModel::kPackedFlags;
  GcStateLocation gc_state = GcStateLocation::kInterpreter;
  GilLocation gil = GilLocation::kRuntime;
  ArenaMap arena_map = ArenaMap::kRadix64;
};
Models models_for(const PythonBuild& build);

// Constants that are #defines or enum values, not struct members.
struct Constants {
  uint32_t pool_size = 0;   // pymalloc POOL_SIZE (4 KiB <= 3.9, 16 KiB 3.10+)
  uint32_t arena_size = 0;  // 256 KiB <= 3.9, 1 MiB 3.10+
  uint32_t alignment = 16;
  uint32_t pymalloc_threshold = 512;
  int frame_owner_generator = 1;
  int frame_owner_frame_object = 2;
  int frame_owner_cstack = 3;
  uint64_t tpflags_heaptype = 1ull << 9;
  uint64_t tpflags_have_gc = 1ull << 14;
  uint64_t tpflags_managed_dict = 1ull << 4;     // 3.11+
  uint64_t tpflags_managed_weakref = 1ull << 3;  // 3.12+
  uint64_t tpflags_inline_values = 1ull << 2;    // 3.13+
};
Constants constants_for(const PythonBuild& build);

// Well-known runtime addresses (0 when absent).
struct Roots {
  uint64_t runtime = 0;                // &_PyRuntime (3.7+)
  uint64_t interp_head_symbol = 0;     // 3.6: &interp_head (static)
  uint64_t tstate_current_symbol = 0;  // 3.6: &_PyThreadState_Current
  uint64_t gc_generations = 0;         // 3.6: &generations (static)
  uint64_t gc_collecting = 0;          // 3.6: &collecting (static)
  uint64_t gil_last_holder = 0;        // 3.6: &gil_last_holder
  uint64_t gil_locked = 0;             // 3.6: &gil_locked
  uint64_t finalizing = 0;             // 3.6: &_Py_Finalizing
  uint64_t obmalloc_usedpools = 0;     // <= 3.11: &usedpools (static)
  uint64_t obmalloc_arenas = 0;        // <= 3.11: &arenas (pointer variable)
  uint64_t obmalloc_maxarenas = 0;     // <= 3.11: &maxarenas
  uint64_t arena_map_root = 0;         // 3.10-3.11: &arena_map_root
  // Type objects, for identifying objects by type pointer.
  uint64_t type_type = 0, object_type = 0, none = 0, true_ = 0, false_ = 0;
  uint64_t code_type = 0, frame_type = 0, str_type = 0, bytes_type = 0, int_type = 0,
           float_type = 0, bool_type = 0, tuple_type = 0, list_type = 0, dict_type = 0,
           set_type = 0, frozenset_type = 0, module_type = 0, function_type = 0, cell_type = 0,
           method_type = 0, cfunction_type = 0, gen_type = 0, coro_type = 0, asyncgen_type = 0,
           traceback_type = 0, set_dummy = 0;
  // Types whose instances the heap models beyond their C base: weak references (wr_object is
  // borrowed) and the descriptors sharing PyDescr_COMMON.
  uint64_t weakref_type = 0, weakref_proxy_type = 0, weakref_callable_proxy_type = 0;
  uint64_t method_descr_type = 0, classmethod_descr_type = 0, getset_descr_type = 0,
           member_descr_type = 0, wrapper_descr_type = 0;
};

struct Layout {
  PythonBuild build;
  Models models;
  Constants constants;
  Roots roots;
  std::array<FieldLoc, kFieldCount> fields{};
  std::vector<std::string> notes;  // how each source fared ("DWARF: no debug info for ...")

  const FieldLoc& operator[](F f) const { return fields[static_cast<size_t>(f)]; }
  bool has(F f) const { return (*this)[f].present(); }
  // Offset of f; callers must check has(f) for fields that not every version has.
  int64_t off(F f) const { return (*this)[f].offset; }
  // The source used for most fields, for the report header.
  Source main_source() const;
};

struct LayoutOptions {
  bool use_debug_offsets = true;
  bool use_dwarf = true;
  bool use_builtin = true;
  std::string cache_dir;  // empty: $XDG_CACHE_HOME/pycore-analyze or ~/.cache/...; "-": off
};

// Identifies the build and fills every field from the best source available.
// Errors: kUnsupportedPython (2.7, unknown minor), kNoPython (no runtime found).
Result<Layout> resolve_layout(const target::AddressSpace& memory, const target::Modules& modules,
                              const LayoutOptions& options = {});

}  // namespace pycore::layout
