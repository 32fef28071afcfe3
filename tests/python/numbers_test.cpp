#include "pycore/python/numbers.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using namespace pycore::python;

TEST_CASE("float_repr matches Python's repr", "[repr]") {
  CHECK(float_repr(1.0) == "1.0");
  CHECK(float_repr(1.1) == "1.1");
  CHECK(float_repr(-2.5) == "-2.5");
  CHECK(float_repr(0.1 + 0.2) == "0.30000000000000004");
  CHECK(float_repr(1e16) == "1e+16");
  CHECK(float_repr(1e15) == "1000000000000000.0");
  CHECK(float_repr(1.5e16) == "1.5e+16");
  CHECK(float_repr(0.0001) == "0.0001");
  CHECK(float_repr(0.00001) == "1e-05");
  CHECK(float_repr(1.5e-7) == "1.5e-07");
  CHECK(float_repr(123456789.125) == "123456789.125");
  CHECK(float_repr(-0.0) == "-0.0");
  CHECK(float_repr(0.0) == "0.0");
  CHECK(float_repr(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(float_repr(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(float_repr(std::nan("")) == "nan");
  CHECK(float_repr(1.7976931348623157e308) == "1.7976931348623157e+308");
  CHECK(float_repr(5e-324) == "5e-324");
  CHECK(float_repr(3.141592653589793) == "3.141592653589793");
  CHECK(float_repr(1e22) == "1e+22");
  CHECK(float_repr(12345678901234567.0) == "1.2345678901234568e+16");
}

TEST_CASE("digits_to_decimal converts base 2**30 digits", "[repr]") {
  CHECK(digits_to_decimal({}) == "0");
  const uint32_t one[] = {1};
  CHECK(digits_to_decimal(one) == "1");
  const uint32_t two40[] = {7, 1u << 10};  // 2**40 + 7
  CHECK(digits_to_decimal(two40) == "1099511627783");
  // 2**100 - 3 = digits of (2**100 - 3) base 2**30
  const uint32_t big[] = {(1u << 30) - 3, (1u << 30) - 1, (1u << 30) - 1, (1u << 10) - 1};
  CHECK(digits_to_decimal(big) == "1267650600228229401496703205373");
}
