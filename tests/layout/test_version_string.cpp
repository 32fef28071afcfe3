// Finding the Py_GetVersion() text in raw data.
#include <catch2/catch.hpp>
#include <string>

#include "pycore/layout/sources.hpp"

using namespace pycore;
using namespace pycore::layout;

namespace {
std::optional<std::string> find_in(const std::string& s) {
  return find_version_string(std::span(reinterpret_cast<const std::byte*>(s.data()), s.size()));
}
}  // namespace

TEST_CASE("version text in data", "[version]") {
  using namespace std::string_literals;
  CHECK(find_in("\0\0\0"s + "3.11.7 (main, May  9 2026, 07:35:25) [GCC 12.2.0]\0"s) == "3.11.7");
  CHECK(find_in("junk\0"s + "2.7.18 (default, Jan  1 2026, 00:00:00) \n[GCC 12.2.0]"s) == "2.7.18");
  CHECK(find_in("\0"s + "3.13.0rc1 (main, ...)"s) == "3.13.0rc1");
  CHECK(find_in("\0"s + "3.14.0a3+ (heads/main:abc, ...)"s) == "3.14.0a3+");
  CHECK(find_in("\0"s + "3.13.0 experimental free-threading build (main, ...)"s) == "3.13.0");
  CHECK(find_in("\0"s + "3.14.1 free-threading build (main, ...)"s) == "3.14.1");
  CHECK_FALSE(find_in("x3.11.7 (main"));        // glued to other text
  CHECK_FALSE(find_in("\0"s + "3.11 (main"s));  // no micro
  CHECK_FALSE(find_in("\0"s + "4.0.0 (main"s));
  CHECK_FALSE(find_in("%.80s (%.80s) %.80s"));
  // The first plausible occurrence wins over later ones.
  CHECK(find_in("\0"s + "see (x) \0"s + "3.9.18 (main, ...)\0"s + "3.8.1 (x)"s) == "3.9.18");
}
