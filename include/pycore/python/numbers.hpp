// Number formatting exactly as CPython's repr() prints numbers. Pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace pycore::python {

// Magnitude of an int given as little-endian base-2**30 digits, in decimal.
std::string digits_to_decimal(std::span<const uint32_t> digits);

// repr(float): the shortest string that round-trips, in Python's notation
// ('1.0', '1e+16', '1.5e-05', 'inf', '-inf', 'nan', '-0.0').
std::string float_repr(double value);

}  // namespace pycore::python
