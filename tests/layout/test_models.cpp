// models_for / constants_for per version, and constants against the headers' values.
#include <catch2/catch.hpp>

#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;

namespace {
PythonBuild build(int minor) {
  PythonBuild b;
  b.major = 3;
  b.minor = minor;
  return b;
}
}  // namespace

TEST_CASE("models per version", "[models]") {
  CHECK(models_for(build(6)).roots == RuntimeRoots::kStatics36);
  CHECK(models_for(build(7)).roots == RuntimeRoots::kPyRuntime);
  CHECK(models_for(build(10)).frames == FrameChain::kFrameObjects);
  CHECK(models_for(build(11)).frames == FrameChain::kCFrameInterpFrames);
  CHECK(models_for(build(12)).frames == FrameChain::kCFrameInterpFrames);
  CHECK(models_for(build(13)).frames == FrameChain::kInterpFrames);
  CHECK(models_for(build(10)).shims == ShimFrames::kNone);
  CHECK(models_for(build(11)).shims == ShimFrames::kEntryFlag);
  CHECK(models_for(build(13)).shims == ShimFrames::kOwnerCStack);
  CHECK(models_for(build(14)).shims == ShimFrames::kOwnerAtLeast3);
  CHECK(models_for(build(9)).line_table == LineTable::kLnotab);
  CHECK(models_for(build(10)).line_table == LineTable::kLinetable310);
  CHECK(models_for(build(11)).line_table == LineTable::kLocations);
  CHECK(models_for(build(10)).locals == LocalsModel::kFastLocals);
  CHECK(models_for(build(11)).locals == LocalsModel::kLocalsPlus);
  CHECK(models_for(build(11)).raised == RaisedException::kTriple);
  CHECK(models_for(build(12)).raised == RaisedException::kSingle);
  CHECK(models_for(build(6)).handled == HandledException::kTstateTriple);
  CHECK(models_for(build(10)).handled == HandledException::kStackItems);
  CHECK(models_for(build(11)).handled == HandledException::kStackItemValue);
  CHECK(models_for(build(11)).ints == IntModel::kSignedSize);
  CHECK(models_for(build(12)).ints == IntModel::kTag);
  CHECK(models_for(build(12)).refcounts == RefcountModel::kImmortal);
  CHECK(models_for(build(10)).dict_keys == DictKeysModel::kSized);
  CHECK(models_for(build(11)).dict_keys == DictKeysModel::kLog2);
  CHECK(models_for(build(12)).split_values == SplitValuesModel::kPrefixed);
  CHECK(models_for(build(13)).split_values == SplitValuesModel::kStruct);
  CHECK(models_for(build(10)).instance_dict == InstanceDictModel::kDictOffset);
  CHECK(models_for(build(11)).instance_dict == InstanceDictModel::kManagedPreheader);
  CHECK(models_for(build(12)).instance_dict == InstanceDictModel::kTaggedPreheader);
  CHECK(models_for(build(13)).instance_dict == InstanceDictModel::kInlineValues);
  CHECK(models_for(build(7)).gc_head == GcHeadModel::kSeparateRefs);
  CHECK(models_for(build(8)).gc_head == GcHeadModel::kPackedFlags);
  CHECK(models_for(build(6)).gc_state == GcStateLocation::kStatics36);
  CHECK(models_for(build(8)).gc_state == GcStateLocation::kRuntime);
  CHECK(models_for(build(9)).gc_state == GcStateLocation::kInterpreter);
  CHECK(models_for(build(6)).gil == GilLocation::kStatics36);
  CHECK(models_for(build(11)).gil == GilLocation::kRuntime);
  CHECK(models_for(build(12)).gil == GilLocation::kInterpreterPointer);
}

TEST_CASE("models agree with which fields the tables have", "[models]") {
  for (const std::string& name : builtin_table_names()) {
    size_t dot = name.find('.', 2);
    int minor = std::stoi(name.substr(2, dot - 2));
    std::optional<BuiltinTable> t = find_builtin_table(3, minor, name.substr(dot + 1));
    REQUIRE(t);
    INFO(name);
    Models m = models_for(build(minor));
    auto has = [&](F f) { return t->fields[static_cast<size_t>(f)].present(); };
    CHECK(has(F::tstate_frame) == (m.frames == FrameChain::kFrameObjects));
    CHECK(has(F::cframe_current_frame) == (m.frames == FrameChain::kCFrameInterpFrames));
    CHECK(has(F::tstate_current_frame) == (m.frames == FrameChain::kInterpFrames));
    CHECK(has(F::iframe_is_entry) == (m.shims == ShimFrames::kEntryFlag));
    CHECK(has(F::tstate_current_exception) == (m.raised == RaisedException::kSingle));
    CHECK(has(F::tstate_exc_type) == (m.handled == HandledException::kTstateTriple));
    CHECK(has(F::err_stackitem_exc_type) == (m.handled == HandledException::kStackItems));
    CHECK(has(F::long_tag) == (m.ints == IntModel::kTag));
    CHECK(has(F::dictkeys_log2_size) == (m.dict_keys == DictKeysModel::kLog2));
    CHECK(has(F::dictvalues_capacity) == (m.split_values == SplitValuesModel::kStruct));
    CHECK(has(F::gc_head_refs) == (m.gc_head == GcHeadModel::kSeparateRefs));
    CHECK(has(F::runtime_gc) == (m.gc_state == GcStateLocation::kRuntime));
    CHECK(has(F::interp_gc) == (m.gc_state == GcStateLocation::kInterpreter));
    CHECK(has(F::runtime_ceval_gil) == (m.gil == GilLocation::kRuntime));
    CHECK(has(F::interp_ceval_gil_ptr) == (m.gil == GilLocation::kInterpreterPointer));
    CHECK(has(F::runtime_size) == (m.roots == RuntimeRoots::kPyRuntime));
    CHECK(has(F::code_localsplusnames) == (m.locals == LocalsModel::kLocalsPlus));
  }
}

TEST_CASE("constants agree with the values the headers define", "[models]") {
  for (const std::string& name : builtin_table_names()) {
    size_t dot = name.find('.', 2);
    int minor = std::stoi(name.substr(2, dot - 2));
    std::optional<BuiltinTable> t = find_builtin_table(3, minor, name.substr(dot + 1));
    REQUIRE(t);
    INFO(name);
    Constants c = constants_for(build(minor));
    auto check = [&](std::string_view key, int64_t expected) {
      if (std::optional<int64_t> v = t->constant(key)) {
        INFO(key);
        CHECK(*v == expected);
      }
    };
    check("POOL_SIZE", c.pool_size);
    check("ARENA_SIZE", c.arena_size);
    check("ALIGNMENT", c.alignment);
    check("SMALL_REQUEST_THRESHOLD", c.pymalloc_threshold);
    check("FRAME_OWNED_BY_GENERATOR", c.frame_owner_generator);
    check("FRAME_OWNED_BY_FRAME_OBJECT", c.frame_owner_frame_object);
    check("FRAME_OWNED_BY_CSTACK", c.frame_owner_cstack);
    check("Py_TPFLAGS_HEAPTYPE", static_cast<int64_t>(c.tpflags_heaptype));
    check("Py_TPFLAGS_HAVE_GC", static_cast<int64_t>(c.tpflags_have_gc));
    CHECK(t->constant("Py_TPFLAGS_MANAGED_DICT").value_or(0) ==
          static_cast<int64_t>(c.tpflags_managed_dict));
    CHECK(t->constant("Py_TPFLAGS_MANAGED_WEAKREF").value_or(0) ==
          static_cast<int64_t>(c.tpflags_managed_weakref));
    CHECK(t->constant("Py_TPFLAGS_INLINE_VALUES").value_or(0) ==
          static_cast<int64_t>(c.tpflags_inline_values));
    if (minor >= 12) CHECK(t->constant("POOL_SIZE"));
  }
}
