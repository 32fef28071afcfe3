// Version-specific choices as data: each table lists the minor version from which a
// choice applies; the last entry not newer than the build wins. Ranges follow the
// reference notes (cpython-internals.md §2-§8) and the headers of each version.
#include <initializer_list>

#include "pycore/layout/layout.hpp"

namespace pycore::layout {
namespace {

template <class T>
struct Since {
  int minor;  // of Python 3
  T value;
};

template <class T>
T pick(int minor, std::initializer_list<Since<T>> table) {
  T value = table.begin()->value;
  for (const Since<T>& s : table) {
    if (minor >= s.minor) value = s.value;
  }
  return value;
}

}  // namespace

Models models_for(const PythonBuild& b) {
  const int v = b.minor;
  Models m;
  m.roots = pick<RuntimeRoots>(v, {{6, RuntimeRoots::kStatics36}, {7, RuntimeRoots::kPyRuntime}});
  m.frames = pick<FrameChain>(v, {{6, FrameChain::kFrameObjects},
                                  {11, FrameChain::kCFrameInterpFrames},
                                  {13, FrameChain::kInterpFrames}});
  m.shims = pick<ShimFrames>(v, {{6, ShimFrames::kNone},
                                 {11, ShimFrames::kEntryFlag},
                                 {12, ShimFrames::kOwnerCStack},
                                 {14, ShimFrames::kOwnerAtLeast3}});
  m.line_table = pick<LineTable>(
      v, {{6, LineTable::kLnotab}, {10, LineTable::kLinetable310}, {11, LineTable::kLocations}});
  m.locals = pick<LocalsModel>(v, {{6, LocalsModel::kFastLocals}, {11, LocalsModel::kLocalsPlus}});
  m.raised =
      pick<RaisedException>(v, {{6, RaisedException::kTriple}, {12, RaisedException::kSingle}});
  m.handled = pick<HandledException>(v, {{6, HandledException::kTstateTriple},
                                         {7, HandledException::kStackItems},
                                         {11, HandledException::kStackItemValue}});
  m.ints = pick<IntModel>(v, {{6, IntModel::kSignedSize}, {12, IntModel::kTag}});
  m.refcounts =
      pick<RefcountModel>(v, {{6, RefcountModel::kPlain}, {12, RefcountModel::kImmortal}});
  m.dict_keys = pick<DictKeysModel>(v, {{6, DictKeysModel::kSized}, {11, DictKeysModel::kLog2}});
  m.split_values = pick<SplitValuesModel>(v, {{6, SplitValuesModel::kArray},
                                              {11, SplitValuesModel::kPrefixed},
                                              {13, SplitValuesModel::kStruct}});
  m.instance_dict = pick<InstanceDictModel>(v, {{6, InstanceDictModel::kDictOffset},
                                                {11, InstanceDictModel::kManagedPreheader},
                                                {12, InstanceDictModel::kTaggedPreheader},
                                                {13, InstanceDictModel::kInlineValues}});
  m.gc_head =
      pick<GcHeadModel>(v, {{6, GcHeadModel::kSeparateRefs}, {8, GcHeadModel::kPackedFlags}});
  m.gc_state = pick<GcStateLocation>(v, {{6, GcStateLocation::kStatics36},
                                         {7, GcStateLocation::kRuntime},
                                         {9, GcStateLocation::kInterpreter}});
  m.gil = pick<GilLocation>(v, {{6, GilLocation::kStatics36},
                                {7, GilLocation::kRuntime},
                                {12, GilLocation::kInterpreterPointer}});
  m.arena_map = pick<ArenaMap>(
      v, {{6, ArenaMap::kTable}, {10, ArenaMap::kRadix48}, {11, ArenaMap::kRadix64}});
  return m;
}

Constants constants_for(const PythonBuild& b) {
  const int v = b.minor;
  Constants c;
  // pymalloc geometry: Objects/obmalloc.c <= 3.11, Include/internal/pycore_obmalloc.h 3.12+.
  c.pool_size = pick<uint32_t>(v, {{6, 4u << 10}, {10, 16u << 10}});
  c.arena_size = pick<uint32_t>(v, {{6, 256u << 10}, {10, 1u << 20}});
  c.alignment = 16;
  c.pymalloc_threshold = 512;
  // _frameowner (Include/internal/pycore_frame.h, 3.11+). 3.14 names the shim owner
  // FRAME_OWNED_BY_INTERPRETER, still 3; ShimFrames::kOwnerAtLeast3 says how to use it.
  c.frame_owner_generator = 1;
  c.frame_owner_frame_object = 2;
  c.frame_owner_cstack = 3;
  c.tpflags_heaptype = 1ull << 9;
  c.tpflags_have_gc = 1ull << 14;
  // 0 where the flag does not exist, so that a test of it is always false.
  c.tpflags_managed_dict = pick<uint64_t>(v, {{6, 0}, {11, 1ull << 4}});
  c.tpflags_managed_weakref = pick<uint64_t>(v, {{6, 0}, {12, 1ull << 3}});
  c.tpflags_inline_values = pick<uint64_t>(v, {{6, 0}, {13, 1ull << 2}});
  return c;
}

}  // namespace pycore::layout
