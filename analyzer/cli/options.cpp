#include "options.hpp"

#include <boost/program_options.hpp>
#include <sstream>

namespace pycore::cli {
namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "Usage: pycore-analyze [OPTIONS] [EXECUTABLE] CORE\n"
    "Post-mortem analysis of a crashed CPython process from its core file.\n"
    "EXECUTABLE is the python binary that crashed (as with gdb); when omitted it is\n"
    "found from the core.\n";

constexpr const char* kExitCodes =
    "\nExit codes:\n"
    "  0   analysed, no error-severity finding\n"
    "  1   analysed, error-severity findings (heap corruption)\n"
    "  2   bad command line\n"
    "  3   a named file is missing or unreadable\n"
    "  4   not an x86-64 ELF core\n"
    "  5   unsupported Python build (e.g. 2.7)\n"
    "  6   core truncated: partial report\n"
    "  7   executable does not match the core (build-id): partial report\n"
    "  8   no CPython runtime found in the process: native report only\n"
    "  70  internal error\n"
    "With --batch: the most severe code of all the cores.\n";

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  std::string format = "text";
  std::vector<std::string> positional;
  bool no_color = false, force_color = false, no_heap = false, no_cache = false;

  po::options_description visible("Options");
  // clang-format off: one option per line reads as the table it is.
  visible.add_options()("help,h", "show this help")("version", "show the version")(
      "json", "print the report as JSON (same as --format json)")("pretty", "indent JSON output")(
      "format", po::value(&format), "text | json | markdown")(
      "locals", "show the local variables of every Python frame")(
      "native", "show native frames merged with the Python frames")(
      "modules", "list the loaded modules with their build-ids")(
      "no-color", "never colour the output")("color",
                                             "colour the output even when it is not a terminal")(
      "sysroot", po::value(&o.sysroot), "find the core's files under DIR (like gdb's sysroot)")(
      "debug-dir", po::value(&o.debug_dirs)->composing(),
      "look for separate debug info in DIR instead of /usr/lib/debug (repeatable)")(
      "batch",
      "analyse every core given (files or directories); print a table grouped "
      "by signature, or JSON Lines with --json")("executable", po::value(&o.executable),
                                                 "with --batch: the executable of every core")(
      "jobs,j", po::value(&o.jobs), "with --batch: cores analysed at a time")(
      "explain-signature", "print the crash signature and the frames it was built from")(
      "layout", "print the identified Python build and every resolved offset, then exit")(
      "layout-source", po::value(&o.layout_source),
      "auto | debug-offsets | dwarf | builtin: restrict where offsets come from")(
      "no-cache", "neither read nor write the layout cache")(
      "no-heap", "skip the GC heap walk and its checks")("max-objects", po::value(&o.max_objects),
                                                         "stop the heap walk after N objects")(
      "timeout", po::value(&o.timeout_seconds), "stop the heap walk after SECONDS");
  // clang-format on
  po::options_description hidden;
  hidden.add_options()("positional", po::value(&positional));
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description pos;
  pos.add("positional", -1);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(all).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    return Error{ExitCode::kUsage, std::string(e.what()) + " (see --help)"};
  }

  std::ostringstream help;
  help << kUsage << "\n" << visible << kExitCodes;
  o.help_text = help.str();
  o.show_help = vm.count("help") > 0;
  o.show_version = vm.count("version") > 0;
  if (o.show_help || o.show_version) return o;

  if (vm.count("json")) format = "json";
  if (format == "text")
    o.format = Format::kText;
  else if (format == "json")
    o.format = Format::kJson;
  else if (format == "markdown")
    o.format = Format::kMarkdown;
  else
    return Error{ExitCode::kUsage, "unknown --format '" + format + "' (text, json, markdown)"};
  o.pretty_json = vm.count("pretty") > 0;
  o.locals = vm.count("locals") > 0;
  o.native = vm.count("native") > 0;
  o.modules = vm.count("modules") > 0;
  no_color = vm.count("no-color") > 0;
  force_color = vm.count("color") > 0;
  if (no_color)
    o.color = false;
  else if (force_color)
    o.color = true;
  o.print_layout = vm.count("layout") > 0;
  o.explain_signature = vm.count("explain-signature") > 0;
  no_heap = vm.count("no-heap") > 0;
  o.heap = !no_heap;
  no_cache = vm.count("no-cache") > 0;
  if (no_cache) o.cache_dir = "-";
  if (o.layout_source != "auto" && o.layout_source != "debug-offsets" &&
      o.layout_source != "dwarf" && o.layout_source != "builtin")
    return Error{ExitCode::kUsage, "unknown --layout-source '" + o.layout_source + "'"};

  o.batch = vm.count("batch") > 0;
  if (o.batch) {
    if (positional.empty()) return Error{ExitCode::kUsage, "--batch needs cores or directories"};
    o.batch_inputs = positional;
    return o;
  }
  if (positional.size() == 1) {
    o.core = positional[0];
  } else if (positional.size() == 2) {
    o.executable = positional[0];
    o.core = positional[1];
  } else {
    return Error{ExitCode::kUsage, positional.empty() ? "no core file given (see --help)"
                                                      : "too many arguments (see --help)"};
  }
  return o;
}

}  // namespace pycore::cli
