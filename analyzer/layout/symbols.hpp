// Symbol look-ups shared by build identification and root finding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "pycore/target/modules.hpp"

namespace pycore::layout::detail {

// The runtime address of `name` defined in module `module`. Link-time-optimised builds
// (Debian's) rename file-local variables to "name.lto_priv.N", so those are tried too.
inline std::optional<target::Symbol> find_in_module(const target::Modules& modules, int module,
                                                    std::string_view name) {
  const std::string base(name);
  for (const std::string& candidate : {base, base + ".lto_priv.0", base + ".lto_priv.1"}) {
    std::optional<target::Symbol> s = modules.find_symbol(candidate, module);
    if (s && s->module == module && s->address != 0) return s;
  }
  return std::nullopt;
}

inline uint64_t address_in_module(const target::Modules& modules, int module,
                                  std::string_view name) {
  std::optional<target::Symbol> s = find_in_module(modules, module, name);
  return s ? s->address : 0;
}

}  // namespace pycore::layout::detail
