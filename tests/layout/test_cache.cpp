// The on-disk DWARF cache: round trip, and corrupt files are ignored.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("pycore-layout-cache-test-" + std::to_string(::getpid()));
    fs::remove_all(path);
  }
  ~TempDir() { fs::remove_all(path); }
};

DwarfLayout sample() {
  DwarfLayout d;
  d.file = "/usr/lib/libpython3.11.so.1.0";
  d.units_parsed = 12;
  d.units_total = 300;
  d.fields[static_cast<size_t>(F::object_type)] = FieldLoc{8, 8, Source::kDwarf};
  d.known[static_cast<size_t>(F::object_type)] = true;
  d.known[static_cast<size_t>(F::tstate_frame)] = true;  // known absent
  return d;
}
}  // namespace

TEST_CASE("cache round trip and rejection", "[cache]") {
  TempDir dir;
  const std::string id = "49daf84ed369fe589b73ea876f2591cd4c3588bb";
  CHECK_FALSE(load_cached_layout(dir.path.string(), id));
  REQUIRE(store_cached_layout(dir.path.string(), id, sample()));
  std::optional<DwarfLayout> back = load_cached_layout(dir.path.string(), id);
  REQUIRE(back);
  CHECK(back->from_cache);
  CHECK(back->file == "/usr/lib/libpython3.11.so.1.0");
  CHECK(back->units_parsed == 12);
  CHECK(back->fields[static_cast<size_t>(F::object_type)].offset == 8);
  CHECK(back->fields[static_cast<size_t>(F::object_type)].source == Source::kDwarf);
  CHECK(back->known[static_cast<size_t>(F::tstate_frame)]);
  CHECK_FALSE(back->fields[static_cast<size_t>(F::tstate_frame)].present());
  CHECK_FALSE(back->known[static_cast<size_t>(F::tstate_next)]);

  // Another build-id does not see it; bad ids are refused.
  CHECK_FALSE(load_cached_layout(dir.path.string(), "aaaa"));
  CHECK_FALSE(store_cached_layout(dir.path.string(), "../../etc/passwd", sample()));
  CHECK_FALSE(store_cached_layout("-", id, sample()));

  const fs::path file = dir.path / (id + ".layout");
  std::string text;
  {
    std::ifstream in(file);
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto rewrite = [&](const std::string& s) { std::ofstream(file, std::ios::trunc) << s; };

  rewrite(text.substr(0, text.size() / 2));  // truncated: no "end"
  CHECK_FALSE(load_cached_layout(dir.path.string(), id));
  rewrite("garbage\n" + text);
  CHECK_FALSE(load_cached_layout(dir.path.string(), id));
  std::string other_fields = text;
  other_fields.replace(other_fields.find("fields ") + 7, 4, "ffff");
  rewrite(other_fields);
  CHECK_FALSE(load_cached_layout(dir.path.string(), id));
  std::string bad_number = text;
  bad_number.replace(bad_number.find("object_type 8"), 13, "object_type x");
  rewrite(bad_number);
  CHECK_FALSE(load_cached_layout(dir.path.string(), id));
  rewrite(text);
  CHECK(load_cached_layout(dir.path.string(), id));
}
