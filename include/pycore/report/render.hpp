// Renderers: the report as text for people, as JSON for pipelines.
#pragma once

#include <string>

#include "pycore/report/model.hpp"

namespace pycore::report {

struct TextOptions {
  bool color = false;        // ANSI colours (the CLI enables them only on a tty)
  bool locals = false;       // --locals: each Python frame's locals
  bool native = false;       // --native: native frames merged with the Python ones
  bool modules = false;      // the module list (always with no Python runtime)
  bool source_lines = true;  // the source line under each Python frame when readable
};

std::string render_text(const Report& report, const TextOptions& options);

// A bug-report summary to paste into an issue tracker: short enough for a maintainer to
// read; other threads and the module list folded into <details> blocks.
std::string render_markdown(const Report& report);

inline constexpr const char* kJsonSchemaId = "pycore-analyze/report/1";
std::string render_json(const Report& report, bool pretty);

}  // namespace pycore::report
