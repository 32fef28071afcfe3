#include "text_blocks.hpp"

#include <fmt/format.h>

namespace pycore::report {
namespace {

constexpr int kMaxChain = 16;

void python_frame_lines(std::string& out, const PythonFrameInfo& f, bool source_lines, bool locals,
                        const Style& st) {
  std::string line = f.line ? std::to_string(*f.line) : "?";
  std::string fn = f.qualname.empty() ? f.function : f.qualname;
  out += fmt::format("  File \"{}\", line {}, in {}", f.file, line, st.bold(fn));
  if (f.kind == "generator" || f.kind == "coroutine" || f.kind == "async_generator")
    out += st.dim(" (" + f.kind + ")");
  out += "\n";
  if (source_lines && !f.source_line.empty()) out += "    " + f.source_line + "\n";
  if (locals && f.locals_read)
    for (const auto& [name, value] : f.locals)
      out += fmt::format("      {} = {}\n", st.yellow(name), value);
}

void exception_lines(std::string& out, const ExceptionInfo& e, bool source_lines, const Style& st,
                     int depth) {
  if (depth > kMaxChain) return;
  if (e.cause) {
    exception_lines(out, *e.cause, source_lines, st, depth + 1);
    out += "\nThe above exception was the direct cause of the following exception:\n\n";
  } else if (e.context && !e.suppress_context) {
    exception_lines(out, *e.context, source_lines, st, depth + 1);
    out += "\nDuring handling of the above exception, another exception occurred:\n\n";
  }
  if (!e.traceback.empty()) {
    out += "Traceback (most recent call last):\n";
    for (const auto& t : e.traceback) {
      out += fmt::format("  File \"{}\", line {}, in {}\n", t.file,
                         t.line ? std::to_string(*t.line) : "?", t.function);
      if (source_lines && !t.source_line.empty()) out += "    " + t.source_line + "\n";
    }
  }
  out += st.red(e.type) + (e.message.empty() ? "" : ": " + e.message) + "\n";
}

}  // namespace

std::string basename_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string native_frame_line(const NativeFrameInfo& n, size_t index, const Style& st) {
  std::string where = n.function.empty() ? "??" : n.function;
  std::string text = fmt::format("  #{:<3} {:#018x} {}", index, n.address, st.cyan(where));
  if (!n.function.empty()) text += fmt::format("+{:#x}", n.offset);
  if (!n.module.empty()) text += st.dim(" in " + basename_of(n.module));
  return text + "\n";
}

std::string traceback_text(const std::vector<PythonFrameInfo>& innermost_first, bool source_lines,
                           bool locals, const Style& st) {
  std::string out = "Traceback (most recent call last):\n";
  for (auto it = innermost_first.rbegin(); it != innermost_first.rend(); ++it)
    python_frame_lines(out, *it, source_lines, locals, st);
  return out;
}

std::string exception_text(const ExceptionInfo& e, bool source_lines, const Style& st) {
  std::string out;
  exception_lines(out, e, source_lines, st, 0);
  return out;
}

}  // namespace pycore::report
