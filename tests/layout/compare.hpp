// Field-by-field comparison of two layouts, listing every disagreement by field id.
#pragma once

#include <string>
#include <vector>

#include "pycore/layout/sources.hpp"

namespace pycore::layout::testing {

// One line per field on which `a` and `b` differ (presence, offset or size). A size of 0
// in `a_sizes_unknown` mode is not compared (debug offsets do not know every size).
inline std::vector<std::string> compare_fields(const FieldArray& a, const char* a_name,
                                               const FieldArray& b, const char* b_name,
                                               bool only_present_in_a = false) {
  std::vector<std::string> out;
  for (size_t i = 0; i < kFieldCount; ++i) {
    const FieldLoc& x = a[i];
    const FieldLoc& y = b[i];
    if (only_present_in_a && !x.present()) continue;
    std::string id(field_info(static_cast<F>(i)).id);
    auto show = [](const FieldLoc& f) {
      return f.present() ? std::to_string(f.offset) + "/" + std::to_string(f.size) : "absent";
    };
    bool differ = x.present() != y.present() ||
                  (x.present() && (x.offset != y.offset || (x.size != 0 && x.size != y.size)));
    if (differ) out.push_back(id + ": " + a_name + " " + show(x) + ", " + b_name + " " + show(y));
  }
  return out;
}

}  // namespace pycore::layout::testing
