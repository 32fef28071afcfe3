// safe_repr and the object readers on real cores: tests/python/repr_scenario.py crashes
// with locals of every kind after recording Python's own repr() of each.
#include <catch2/catch.hpp>
#include <filesystem>
#include <set>

#include "corpus_support.hpp"
#include "interpreters.hpp"
#include "pycore/python/analyze.hpp"

using namespace pycore;
namespace fs = std::filesystem;

namespace {

// Locals whose Python repr we knowingly cannot rebuild: a C subclass with its own
// __repr__, and 3.6's one-argument exception repr "KeyError('missing',)".
bool expected_to_differ(const std::string& name, const nlohmann::json& version) {
  if (name == "an_ordered_dict") return true;
  if (name == "a_keyerror" && version[1] == 6) return true;
  return false;
}

struct Scene {
  std::unique_ptr<test::LoadedCore> loaded;
  nlohmann::json truth;
  uint64_t frame = 0;  // scenario()'s frame
  std::map<std::string, uint64_t> objects;
};

}  // namespace

TEST_CASE("repr of every kind of object equals Python's repr on a real core", "[repr-core]") {
  auto interpreters = test::find_interpreters();
  REQUIRE(!interpreters.empty());
  fs::path base = fs::temp_directory_path() / ("pycore-repr-" + std::to_string(getpid()));
  int cores = 0;
  for (const auto& interp : interpreters) {
    std::string dir = (base / interp.label).string();
    std::string core = test::make_core(interp.path, PYCORE_REPR_SCENARIO, dir);
    auto truth = test::read_json(dir + "/truth.json");
    if (core.empty() || !truth.is_object()) {
      WARN(interp.label << ": no core (Python 2, or cores cannot be made here)");
      continue;
    }
    auto loaded = test::load_core(core, interp.path);
    INFO(interp.label);
    REQUIRE(loaded->error.empty());
    python::PythonOptions options;
    options.repr.max_chars = 1 << 16;
    options.repr.max_items = 1000;
    options.repr.max_str_chars = 1 << 16;
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, options);
    REQUIRE(!result.threads.empty());
    const auto& thread = result.threads[0];
    REQUIRE(thread.crashed);
    auto frame =
        std::find_if(thread.python_frames.begin(), thread.python_frames.end(),
                     [](const report::PythonFrameInfo& f) { return f.function == "scenario"; });
    REQUIRE(frame != thread.python_frames.end());
    ++cores;
    int compared = 0;
    for (const auto& [name, repr] : truth["reprs"].items()) {
      auto it = std::find_if(frame->locals.begin(), frame->locals.end(),
                             [&name = name](const auto& kv) { return kv.first == name; });
      INFO("local " << name);
      REQUIRE(it != frame->locals.end());
      if (expected_to_differ(name, truth["python"])) continue;
      CHECK(it->second == repr.get<std::string>());
      ++compared;
    }

    // The object readers behind it, on the same objects.
    python::ObjectReader reader(loaded->memory, *loaded->layout);
    python::FrameOptions fo;
    python::FrameReader frames(reader, fo);
    std::map<std::string, uint64_t> objects;
    for (const auto& local : frames.frame_locals(frame->frame_address))
      objects[local.name] = local.object;
    CHECK(objects.size() == frame->locals.size());

    {  // budgets and unreadable memory
      python::ReprOptions small;
      small.max_items = 2;
      CHECK(python::safe_repr(reader, objects["nested_list"], small) == "[1, [2, [3, [4]]], ...]");
      small = {};
      small.max_depth = 1;
      CHECK(python::safe_repr(reader, objects["nested_list"], small) ==
            "[1, <list (2 items)>, 'x']");
      small = {};
      small.max_str_chars = 5;
      CHECK(python::safe_repr(reader, objects["ascii_str"], small) == "'hello'...");
      small = {};
      small.max_chars = 8;
      CHECK(python::safe_repr(reader, objects["mixed_tuple"], small) == "(1, 'a',...");
      CHECK(python::safe_repr(reader, 0x10) == "<unreadable 0x10>");
      CHECK(python::safe_repr(reader, 0) == "<NULL>");
    }
    // Instance attributes in every InstanceDictModel, compared with vars(obj).
    for (const auto& [name, attrs] : truth["attributes"].items()) {
      INFO("attributes of " << name);
      auto got = reader.instance_attributes(objects[name], 1000);
      if (attrs.empty() && !got) continue;  // no attribute was ever set: no dict/values
      REQUIRE(got.has_value());
      std::vector<std::pair<std::string, std::string>> mine, want;
      for (const auto& e : got->entries)
        mine.emplace_back(reader.str_utf8(e.key.object).value_or("?"),
                          python::safe_repr(reader, e.value.object));
      for (const auto& [k, v] : attrs.items()) want.emplace_back(k, v.get<std::string>());
      std::sort(mine.begin(), mine.end());  // the truth's JSON object is sorted by key
      std::sort(want.begin(), want.end());
      std::string mine_text, want_text;
      for (const auto& [k, v] : mine) mine_text += k + "=" + v + " ";
      for (const auto& [k, v] : want) want_text += k + "=" + v + " ";
      CHECK(mine_text == want_text);
      auto x = reader.instance_attribute(objects[name], mine.empty() ? "" : mine[0].first);
      CHECK((mine.empty() || x.has_value()));
    }
    WARN(interp.label << ": " << compared << " locals' reprs equal Python's");
  }
  std::error_code ec;
  fs::remove_all(base, ec);
  CHECK(cores > 0);
}
