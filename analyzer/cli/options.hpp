// The command line, parsed into plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pycore/error.hpp"

namespace pycore::cli {

enum class Format { kText, kJson, kMarkdown };

struct Options {
  std::string executable;  // empty: found from the core
  std::string core;
  Format format = Format::kText;
  bool pretty_json = false;
  bool locals = false;
  bool native = false;
  bool modules = false;
  std::optional<bool> color;  // unset: colour when stdout is a tty
  bool print_layout = false;
  bool explain_signature = false;
  std::string layout_source = "auto";  // auto | debug-offsets | dwarf | builtin
  std::string cache_dir;               // "" default, "-" off
  std::string sysroot;
  std::vector<std::string> debug_dirs;
  bool heap = true;
  uint64_t max_objects = 50'000'000;
  double timeout_seconds = 0;  // 0: none
  bool progress = false;       // heap progress line on stderr (set by main when stderr is a tty)
  bool batch = false;          // --batch: many cores, table grouped by signature
  std::vector<std::string> batch_inputs;  // cores and directories of cores
  unsigned jobs = 0;                      // 0: one per core of this machine
  bool show_help = false;
  bool show_version = false;
  std::string help_text;
};

// kUsage error with a one-line message for a bad command line.
Result<Options> parse_options(int argc, char** argv);

}  // namespace pycore::cli
