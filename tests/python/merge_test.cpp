#include "pycore/python/merge.hpp"

#include <catch2/catch.hpp>

using namespace pycore;

namespace {

std::vector<report::NativeFrameInfo> natives(std::initializer_list<const char*> names) {
  std::vector<report::NativeFrameInfo> out;
  for (const char* n : names) {
    report::NativeFrameInfo f;
    f.function = n;
    out.push_back(f);
  }
  return out;
}

python::PythonStack stack(std::vector<int> groups) {
  python::PythonStack s;
  for (int g : groups)
    for (int i = 0; i < g; ++i) s.frames.emplace_back();
  s.per_evaluator = std::move(groups);
  return s;
}

}  // namespace

TEST_CASE("merge: evaluator frames get their Python frames, innermost first", "[merge]") {
  auto n = natives(
      {"strlen", "_PyEval_EvalFrameDefault.cold", "call", "_PyEval_EvalFrameDefault", "main"});
  CHECK(!python::merge_stacks(n, stack({2, 3}), true).has_value());
  CHECK(n[1].is_evaluator);
  CHECK(n[1].python_frames_here == 2);
  CHECK(n[3].python_frames_here == 3);
  CHECK(!n[0].is_evaluator);
}

TEST_CASE("merge: wrappers count only when the evaluator itself is absent", "[merge]") {
  auto with_default = natives({"_PyEval_EvalFrameDefault", "PyEval_EvalFrameEx"});
  CHECK(!python::merge_stacks(with_default, stack({1}), true).has_value());
  CHECK(!with_default[1].is_evaluator);
  auto wrappers_only = natives({"PyEval_EvalFrameEx", "x", "PyEval_EvalFrameEx"});
  CHECK(!python::merge_stacks(wrappers_only, stack({1, 1}), true).has_value());
  CHECK(wrappers_only[2].python_frames_here == 1);
}

TEST_CASE("merge: disagreement is reported, never papered over", "[merge]") {
  auto complete = natives({"_PyEval_EvalFrameDefault"});
  auto w = python::merge_stacks(complete, stack({1, 1}), true);
  REQUIRE(w.has_value());
  CHECK(w->find("not merged") != std::string::npos);
  CHECK(complete[0].python_frames_here == 0);
  auto cut = natives({"_PyEval_EvalFrameDefault"});
  w = python::merge_stacks(cut, stack({4, 1}), false);
  REQUIRE(w.has_value());
  CHECK(cut[0].python_frames_here == 4);  // the innermost still lines up
}
