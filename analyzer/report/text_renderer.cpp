// Text renderer: what a person reads at 3 a.m. Python tracebacks look like Python's own.
#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "pycore/report/render.hpp"
#include "text_blocks.hpp"

namespace pycore::report {
namespace {

// Merged view: native frames outermost last as in gdb, with the Python frames each
// evaluator frame runs listed under it, innermost first.
void merged_lines(std::string& out, const ThreadInfo& t, const TextOptions& o, const Style& st) {
  size_t py = 0;
  for (size_t i = 0; i < t.native_frames.size(); ++i) {
    const auto& n = t.native_frames[i];
    out += native_frame_line(n, i, st);
    for (int k = 0; k < n.python_frames_here && py < t.python_frames.size(); ++k, ++py) {
      const auto& f = t.python_frames[py];
      out +=
          fmt::format("        {} {}:{}\n", st.bold(f.qualname.empty() ? f.function : f.qualname),
                      f.file, f.line ? std::to_string(*f.line) : "?");
      if (o.locals && f.locals_read)
        for (const auto& [name, value] : f.locals)
          out += fmt::format("            {} = {}\n", st.yellow(name), value);
    }
  }
}

std::string thread_title(const ThreadInfo& t, const Style& st) {
  std::string title = fmt::format("Thread {}", t.tid);
  if (t.name) title += fmt::format(" \"{}\"", *t.name);
  std::vector<std::string> flags;
  if (t.crashed) flags.push_back(st.red("crashed"));
  if (t.holds_gil) flags.push_back("holds the GIL");
  if (t.gc_collecting) flags.push_back("garbage-collecting");
  if (t.finalizing) flags.push_back("finalizing");
  if (!t.thread_state && t.python_frames.empty()) flags.push_back("no Python thread state");
  if (!flags.empty()) title += " (" + fmt::format("{}", fmt::join(flags, ", ")) + ")";
  return st.bold(title);
}

void thread_section(std::string& out, const ThreadInfo& t, const TextOptions& o, const Style& st) {
  out += "\n" + thread_title(t, st) + "\n";
  if (o.native) {
    merged_lines(out, t, o, st);
  } else if (!t.python_frames.empty()) {
    out += traceback_text(t.python_frames, o.source_lines, o.locals, st);
    if (t.crashed) {
      // The crash happened in native code: show the frames above the first evaluator frame.
      std::string top;
      size_t i = 0;
      for (; i < t.native_frames.size() && !t.native_frames[i].is_evaluator && i < 12; ++i)
        top += native_frame_line(t.native_frames[i], i, st);
      if (!top.empty()) out += "Native frames above Python:\n" + top;
    }
  } else {
    for (size_t i = 0; i < t.native_frames.size(); ++i)
      out += native_frame_line(t.native_frames[i], i, st);
    if (t.native_frames.empty()) out += "  (no frames)\n";
  }
  if (!t.unwind_error.empty()) out += st.dim("  unwinding stopped: " + t.unwind_error) + "\n";
  for (const auto& e : t.exceptions) {
    out += "\n" +
           st.dim(e.state == "raised" ? "Exception being raised:" : "Exception being handled:") +
           "\n";
    out += exception_text(e, o.source_lines, st);
    if (!e.note.empty()) out += st.dim("  note: " + e.note) + "\n";
  }
}

}  // namespace

std::string render_text(const Report& r, const TextOptions& o) {
  Style st{o.color};
  std::string out;
  out += st.bold("Core:     ") + r.core_path + "\n";
  std::string program = r.process.executable.empty() ? "(unknown)" : r.process.executable;
  if (r.process.pid) program += fmt::format(" (pid {})", *r.process.pid);
  out += st.bold("Program:  ") + program + "\n";
  if (!r.process.command_line.empty()) out += st.bold("Command:  ") + r.process.command_line + "\n";
  if (!r.python.version.empty()) {
    out += st.bold("Python:   ") + fmt::format("{} {} build", r.python.version, r.python.build);
    if (r.python.free_threaded) out += ", free-threaded";
    if (!r.python.layout_source.empty()) out += ", layout from " + r.python.layout_source;
    out += "\n";
  }
  if (r.crash) {
    const auto& c = *r.crash;
    std::string text = fmt::format("{} ({}), {}", c.signal_name, c.signal_description, c.code_name);
    if (c.fault_address) text += fmt::format(" at address {:#x}", *c.fault_address);
    text += fmt::format(", thread {}", c.thread);
    out += st.bold("Signal:   ") + st.red(text) + "\n";
    if (!c.summary.empty()) out += st.bold("Summary:  ") + c.summary + "\n";
  } else {
    out += st.bold("Signal:   ") + "none (snapshot of a live process)\n";
  }
  if (!r.heap_headline.empty()) out += st.bold("Heap:     ") + st.red(r.heap_headline) + "\n";
  for (const auto& w : r.warnings) out += st.yellow("warning: ") + w + "\n";

  for (const auto& t : r.threads) thread_section(out, t, o, st);

  if (!r.findings.empty()) {
    out += "\n" + st.bold("Heap findings") + "\n";
    for (const auto& f : r.findings) {
      std::string sev = f.severity == "error" ? st.red(f.severity) : st.yellow(f.severity);
      out += fmt::format("  [{}] {}: {}\n", sev, f.check, f.message);
    }
  }
  if (r.gc) {
    out += "\n" + st.bold("GC heap") +
           fmt::format(": {} objects, {} bytes\n", r.gc->objects, r.gc->bytes);
    size_t shown = 0;
    for (const auto& t : r.gc->types) {
      if (++shown > 10) break;
      out += fmt::format("  {:>10} {:>12}  {}\n", t.count, t.bytes, t.type);
    }
  }
  if (o.modules || r.python.version.empty()) {
    out += "\n" + st.bold("Modules") + "\n";
    for (const auto& m : r.modules) {
      std::string status = m.build_id_status == "match" ? "" : " [" + m.build_id_status + "]";
      out += fmt::format("  {:#014x} {}{}{}\n", m.load_address, m.path,
                         m.debug_info ? st.dim(" (debug info)") : "", st.yellow(status));
    }
  }
  if (r.signature) out += "\n" + st.bold("Signature: ") + *r.signature + "\n";
  return out;
}

}  // namespace pycore::report
