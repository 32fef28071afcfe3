// Runs the stages in order (target -> layout -> python -> heap) and assembles the report.
#pragma once

#include <string>
#include <vector>

#include "options.hpp"
#include "pycore/report/model.hpp"

namespace pycore::cli {

struct Outcome {
  report::Report report;
  std::string layout_text;  // filled for --layout
  ExitCode exit = ExitCode::kOk;
  std::string fatal;  // one-line error when nothing could be analysed
  // Why the exit code says the report is partial (codes 6 and 7), one line each: a script
  // that reads only the exit code and stderr must still learn why.
  std::vector<std::string> partial_reasons;
};

Outcome run_pipeline(const Options& options);

// The exit code to report when both apply (docs/usage.md gives the order).
ExitCode more_severe(ExitCode a, ExitCode b);

}  // namespace pycore::cli
