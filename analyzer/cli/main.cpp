#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>

#include "batch.hpp"
#include "options.hpp"
#include "pipeline.hpp"
#include "pycore/report/render.hpp"

namespace {

int run(int argc, char** argv) {
  using namespace pycore;
  auto parsed = cli::parse_options(argc, argv);
  if (!parsed) {
    std::cerr << "pycore-analyze: " << parsed.error().message << "\n";
    return static_cast<int>(parsed.error().code);
  }
  cli::Options& o = *parsed;
  if (o.show_help) {
    std::cout << o.help_text;
    return 0;
  }
  if (o.show_version) {
    std::cout << "pycore-analyze " << PYCORE_VERSION << "\n";
    return 0;
  }

  if (o.batch) return cli::run_batch(o, std::cout, isatty(STDERR_FILENO) == 1);

  // A progress line for long heap walks, on a terminal only (never with --batch, whose
  // workers run side by side).
  o.progress = isatty(STDERR_FILENO) == 1;
  cli::Outcome out = cli::run_pipeline(o);
  if (!out.fatal.empty()) std::cerr << "pycore-analyze: " << out.fatal << "\n";
  for (const auto& why : out.partial_reasons) std::cerr << "pycore-analyze: " << why << "\n";
  if (o.print_layout) {
    std::cout << out.layout_text;
    return static_cast<int>(out.exit);
  }
  if (out.report.core_path.empty()) return static_cast<int>(out.exit);  // nothing to show
  if (o.explain_signature) {
    std::cout << "signature: " << out.report.signature.value_or("(none)") << "\n";
    for (const auto& f : out.report.signature_frames) std::cout << "  from " << f << "\n";
    return static_cast<int>(out.exit);
  }

  switch (o.format) {
    case cli::Format::kJson:
      std::cout << report::render_json(out.report, o.pretty_json);
      break;
    case cli::Format::kMarkdown:
      std::cout << report::render_markdown(out.report);
      break;
    case cli::Format::kText: {
      report::TextOptions t;
      t.color = o.color.value_or(isatty(STDOUT_FILENO) == 1);
      t.locals = o.locals;
      t.native = o.native;
      t.modules = o.modules;
      std::cout << report::render_text(out.report, t);
      break;
    }
  }
  return static_cast<int>(out.exit);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Test-only fault injection: the internal-error path must be exercised by a test.
    if (const char* fault = std::getenv("PYCORE_TEST_FAULT");
        fault && std::string(fault) == "internal")
      throw std::logic_error("fault injected by PYCORE_TEST_FAULT");
    return run(argc, argv);
  } catch (const std::exception& e) {
    // Reaching here is a bug: every expected failure is a Result, not an exception.
    std::cerr << "pycore-analyze: internal error: " << e.what() << "\n";
    return static_cast<int>(pycore::ExitCode::kInternal);
  }
}
