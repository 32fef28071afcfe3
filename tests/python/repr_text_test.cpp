#include <catch2/catch.hpp>

#include "pycore/python/repr.hpp"

using namespace pycore::python;

namespace {
std::vector<uint32_t> cps(std::u32string_view s) {
  return {s.begin(), s.end()};
}
}  // namespace

TEST_CASE("str_repr quotes and escapes like Python", "[repr]") {
  CHECK(str_repr(cps(U"hello")) == "'hello'");
  CHECK(str_repr(cps(U"")) == "''");
  CHECK(str_repr(cps(U"it's")) == "\"it's\"");
  CHECK(str_repr(cps(U"it's \"x\"")) == "'it\\'s \"x\"'");
  CHECK(str_repr(cps(U"a\tb\nc\rd\\")) == "'a\\tb\\nc\\rd\\\\'");
  CHECK(str_repr(cps(U"\x01\x7f")) == "'\\x01\\x7f'");
  CHECK(str_repr(cps(U"h\u00e9llo")) == "'h\xc3\xa9llo'");
  CHECK(str_repr(cps(U"\u00a0\u00ad")) == "'\\xa0\\xad'");
  CHECK(str_repr(cps(U"\u2028\ufeff")) == "'\\u2028\\ufeff'");
  CHECK(str_repr(cps(U"\U0001F600")) == "'\xf0\x9f\x98\x80'");
  CHECK(str_repr(cps(U"\U000F0000")) == "'\\U000f0000'");
  CHECK(str_repr({0xD800}) == "'\\ud800'");
}

TEST_CASE("bytes_repr quotes and escapes like Python", "[repr]") {
  CHECK(bytes_repr("abc") == "b'abc'");
  CHECK(bytes_repr("") == "b''");
  CHECK(bytes_repr("it's") == "b\"it's\"");
  CHECK(bytes_repr(std::string("\x00\xff\n", 3)) == "b'\\x00\\xff\\n'");
  CHECK(hex_address(0x7f00deadbeef) == "0x7f00deadbeef");
}
