// --batch: many cores at once, grouped by crash signature; one bad core never stops it.
#pragma once

#include <ostream>

#include "options.hpp"

namespace pycore::cli {

// Prints the table (or JSON Lines) to `out` and returns the process exit code.
int run_batch(const Options& options, std::ostream& out, bool progress);

}  // namespace pycore::cli
