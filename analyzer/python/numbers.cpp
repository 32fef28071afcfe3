// Decimal conversion of CPython ints and Python's float repr.
#include "pycore/python/numbers.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace pycore::python {

std::string digits_to_decimal(std::span<const uint32_t> digits) {
  // Schoolbook base conversion 2**30 -> 10**9, most significant digit first, like
  // CPython's long_to_decimal_string (quadratic, callers bound the digit count).
  constexpr uint32_t kBase = 1000000000u;
  constexpr uint32_t kDigitMask = (1u << 30) - 1;
  std::vector<uint32_t> out;  // little-endian base 10**9
  for (size_t i = digits.size(); i-- > 0;) {
    uint64_t carry = digits[i] & kDigitMask;
    for (uint32_t& limb : out) {
      uint64_t z = (static_cast<uint64_t>(limb) << 30) | carry;
      limb = static_cast<uint32_t>(z % kBase);
      carry = z / kBase;
    }
    while (carry != 0) {
      out.push_back(static_cast<uint32_t>(carry % kBase));
      carry /= kBase;
    }
  }
  if (out.empty()) return "0";
  std::string text = std::to_string(out.back());
  char buf[16];
  for (size_t i = out.size() - 1; i-- > 0;) {
    std::snprintf(buf, sizeof buf, "%09u", out[i]);
    text += buf;
  }
  return text;
}

namespace {

// Shortest decimal digits that read back as `value` (value finite and > 0), and the
// position of the decimal point: value = 0.DIGITS * 10**decpt.
void shortest_digits(double value, std::string& digits, int& decpt) {
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision - 1, value);
    if (std::strtod(buf, nullptr) == value) break;
  }
  // buf is "D.DDDDe[+-]XX" or "De[+-]XX".
  std::string text(buf);
  size_t e = text.find('e');
  std::string mantissa = text.substr(0, e);
  int exponent = std::atoi(text.c_str() + e + 1);
  digits.clear();
  for (char c : mantissa)
    if (c != '.') digits += c;
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  decpt = exponent + 1;
}

}  // namespace

std::string float_repr(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value < 0 ? "-inf" : "inf";
  std::string sign = std::signbit(value) ? "-" : "";
  if (value == 0) return sign + "0.0";
  std::string digits;
  int decpt = 0;
  shortest_digits(std::fabs(value), digits, decpt);
  // Python's float_repr_style 'short': exponent notation when decpt <= -4 or > 16.
  if (decpt <= -4 || decpt > 16) {
    std::string text = sign + digits.substr(0, 1);
    if (digits.size() > 1) text += "." + digits.substr(1);
    int exponent = decpt - 1;
    char buf[16];
    std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    return text + buf;
  }
  std::string text = sign;
  if (decpt <= 0) {
    text += "0." + std::string(static_cast<size_t>(-decpt), '0') + digits;
  } else if (static_cast<size_t>(decpt) >= digits.size()) {
    text += digits + std::string(static_cast<size_t>(decpt) - digits.size(), '0') + ".0";
  } else {
    text += digits.substr(0, static_cast<size_t>(decpt)) + "." +
            digits.substr(static_cast<size_t>(decpt));
  }
  return text;
}

}  // namespace pycore::python
