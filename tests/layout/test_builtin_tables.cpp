// The embedded tables: they parse, they cover the versions we claim, and a sample of
// their numbers matches the reference's Appendix A (offsets read from DWARF with gdb).
#include <catch2/catch.hpp>

#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;

TEST_CASE("every embedded table parses and names its version", "[tables]") {
  std::vector<std::string> names = builtin_table_names();
  for (int minor = 6; minor <= 13; ++minor)
    CHECK(std::find(names.begin(), names.end(), "3." + std::to_string(minor) + ".release") !=
          names.end());
  CHECK(std::find(names.begin(), names.end(), "3.11.debug") != names.end());
  for (const std::string& name : names) {
    INFO(name);
    size_t dot = name.find('.', 2);
    int minor = std::stoi(name.substr(2, dot - 2));
    std::optional<BuiltinTable> t = find_builtin_table(3, minor, name.substr(dot + 1));
    REQUIRE(t);
    CHECK(t->name == name);
    CHECK(t->minor == minor);
    CHECK(t->version.rfind("3." + std::to_string(minor) + ".", 0) == 0);
    CHECK(t->fields[static_cast<size_t>(F::object_type)].present());
  }
  CHECK_FALSE(find_builtin_table(3, 15, "release"));
  CHECK_FALSE(find_builtin_table(3, 11, "ft-release"));
}

TEST_CASE("table parser rejects malformed tables", "[tables]") {
  CHECK_FALSE(parse_builtin_table("x", "python 3.11.7 0x030b07f0\nabi release\n").ok());
  CHECK_FALSE(parse_builtin_table("x", "abi release\nobject_size 16 16\n").ok());
  std::optional<BuiltinTable> good = find_builtin_table(3, 12, "release");
  REQUIRE(good);
  // Rebuild a complete table text from the parsed one, then damage it.
  std::string text = "python 3.12.1 0x030c01f0\nabi release\n";
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldLoc& f = good->fields[i];
    text += std::string(field_info(static_cast<F>(i)).id) +
            (f.present() ? " " + std::to_string(f.offset) + " " + std::to_string(f.size)
                         : std::string(" absent")) +
            "\n";
  }
  REQUIRE(parse_builtin_table("x", text).ok());
  CHECK_FALSE(parse_builtin_table("x", text + "object_size 16 16\n").ok());  // twice
  CHECK_FALSE(parse_builtin_table("x", text + "no_such_field 1 1\n").ok());
  CHECK_FALSE(parse_builtin_table("x", text + "const POOL_SIZE\n").ok());
  std::string missing = text;
  missing.erase(missing.find("tstate_next"),
                missing.find('\n', missing.find("tstate_next")) - missing.find("tstate_next") + 1);
  CHECK_FALSE(parse_builtin_table("x", missing).ok());
}

namespace {
struct Sample {
  int minor;
  F field;
  int64_t offset;  // -1: absent
};
}  // namespace

TEST_CASE("tables agree with the reference's Appendix A on a sample", "[tables]") {
  // Values copied from shared/reference appendix A/B (gdb over each version's DWARF).
  const Sample samples[] = {
      {6, F::tstate_size, 2272},
      {6, F::tstate_frame, 24},
      {6, F::tstate_exc_type, 104},
      {6, F::interp_threads_head, 8},
      {6, F::runtime_size, -1},
      {6, F::gc_head_size, 32},
      {6, F::frameobject_lasti, 120},
      {6, F::frameobject_localsplus, 376},
      {6, F::code_linetable, 112},
      {6, F::dictkeys_indices, 40},
      {7, F::runtime_interpreters_head, 24},
      {7, F::runtime_tstate_current, 1480},
      {7, F::runtime_gc, 320},
      {7, F::gcstate_collecting, 312},
      {7, F::tstate_exc_info, 144},
      {7, F::runtime_ceval_gil, 1264},
      {8, F::runtime_interpreters_head, 32},
      {8, F::runtime_tstate_current, 1368},
      {8, F::gcstate_generations, 24},
      {8, F::code_filename, 104},
      {9, F::interp_gc, 616},
      {9, F::interp_modules, 856},
      {9, F::heaptype_module, 872},
      {10, F::tstate_cframe, 48},
      {10, F::frameobject_lasti, 96},
      {10, F::code_linetable, 120},
      {10, F::interp_size, 113528},
      {11, F::tstate_cframe, 56},
      {11, F::interp_threads_head, 16},
      {11, F::iframe_owner, 69},
      {11, F::iframe_is_entry, 68},
      {11, F::code_code_adaptive, 184},
      {11, F::code_firsttraceable, 168},
      {11, F::tstate_exc_state, 320},
      {11, F::runtime_tstate_current, 576},
      {11, F::gen_iframe, 80},
      {12, F::tstate_current_exception, 96},
      {12, F::interp_threads_head, 72},
      {12, F::interp_ceval_gil_ptr, 384},
      {12, F::interp_obmalloc, 3960},
      {12, F::iframe_owner, 70},
      {12, F::long_tag, 16},
      {12, F::ascii_size, 40},
      {12, F::runtime_tstate_current, -1},
      {13, F::tstate_current_frame, 72},
      {13, F::interp_next, 7264},
      {13, F::interp_threads_head, 7344},
      {13, F::runtime_interpreters_head, 632},
      {13, F::runtime_main_tstate, 664},
      {13, F::interp_gc, 7400},
      {13, F::code_code_adaptive, 200},
      {13, F::iframe_instr, 56},
      {13, F::tstate_cframe, -1},
      {13, F::dictvalues_values, 8},
      {13, F::runtime_size, 283320},
      {13, F::code_size, 208},
  };
  for (const Sample& s : samples) {
    std::optional<BuiltinTable> t = find_builtin_table(3, s.minor, "release");
    REQUIRE(t);
    const FieldLoc& f = t->fields[static_cast<size_t>(s.field)];
    INFO("3." << s.minor << " " << field_info(s.field).id);
    if (s.offset < 0) {
      CHECK_FALSE(f.present());
    } else {
      CHECK(f.present());
      CHECK(f.offset == s.offset);
    }
  }
}

TEST_CASE("the debug table of 3.11 differs from release only where Py_DEBUG changes it",
          "[tables]") {
  std::optional<BuiltinTable> rel = find_builtin_table(3, 11, "release");
  std::optional<BuiltinTable> dbg = find_builtin_table(3, 11, "debug");
  REQUIRE(rel);
  REQUIRE(dbg);
  // Debian's python3.11-dbg: no trace refs, so objects keep their 16-byte header.
  CHECK(dbg->fields[static_cast<size_t>(F::object_size)].offset == 16);
  CHECK(dbg->fields[static_cast<size_t>(F::tstate_cframe)].offset ==
        rel->fields[static_cast<size_t>(F::tstate_cframe)].offset);
}
