// The field catalogue generated from fields.def, and small Layout helpers.
#include <array>
#include <string_view>

#include "pycore/layout/layout.hpp"
#include "pycore/layout/sources.hpp"

namespace pycore::layout {
namespace {

constexpr std::array<FieldInfo, kFieldCount> kFields = {{
#define PYCORE_FIELD(id, types, paths) {#id, types, paths, false},
#define PYCORE_SIZE(id, types) {#id, types, "", true},
#include "pycore/layout/fields.def"
#undef PYCORE_FIELD
#undef PYCORE_SIZE
}};

}  // namespace

const FieldInfo& field_info(F f) {
  return kFields[static_cast<size_t>(f)];
}

std::optional<F> field_by_id(std::string_view id) {
  for (size_t i = 0; i < kFieldCount; ++i) {
    if (kFields[i].id == id) return static_cast<F>(i);
  }
  return std::nullopt;
}

std::string_view to_string(Source s) {
  switch (s) {
    case Source::kAbsent:
      return "absent";
    case Source::kDebugOffsets:
      return "debug-offsets";
    case Source::kDwarf:
      return "dwarf";
    case Source::kBuiltin:
      return "builtin";
  }
  return "?";
}

Source Layout::main_source() const {
  std::array<size_t, 4> counts{};
  for (const FieldLoc& f : fields) counts[static_cast<size_t>(f.source)]++;
  // Ties go to the more trustworthy source (lower enum value after kAbsent).
  size_t best = 1;
  for (size_t s = 2; s < counts.size(); ++s) {
    if (counts[s] > counts[best]) best = s;
  }
  return counts[best] == 0 ? Source::kAbsent : static_cast<Source>(best);
}

uint64_t fields_fingerprint() {
  // FNV-1a over every id, type list and path list, with separators.
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ull;
    }
    h ^= 0xff;
    h *= 1099511628211ull;
  };
  for (const FieldInfo& f : kFields) {
    mix(f.id);
    mix(f.types);
    mix(f.paths);
  }
  return h;
}

size_t DwarfLayout::present() const {
  size_t n = 0;
  for (const FieldLoc& f : fields) n += f.present();
  return n;
}

}  // namespace pycore::layout
