// A human-readable account of a resolved Layout: what the CLI's --layout prints.
#pragma once

#include <string>

#include "pycore/layout/layout.hpp"

namespace pycore::layout {

// The identified build and how it was identified, each source's notes, the roots, the
// models, the constants, then every field as "id offset size source" (or "id absent").
std::string describe_layout(const Layout& layout);

}  // namespace pycore::layout
