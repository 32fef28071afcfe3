#include <fmt/format.h>

#include "pycore/report/render.hpp"
#include "pycore/report/signature.hpp"
#include "text_blocks.hpp"

namespace pycore::report {
namespace {

// Frames around the crash worth a maintainer's eye; the rest is the interpreter's loop.
constexpr size_t kNativeAroundCrash = 12;
constexpr size_t kFindingsShown = 5;
constexpr size_t kExamplesShown = 3;

std::string code(const std::string& s) {
  // A backtick inside inline code would end it early.
  std::string fence = s.find('`') == std::string::npos ? "`" : "``";
  return fence + (fence.size() > 1 ? " " + s + " " : s) + fence;
}

// Text inside a table cell: GFM splits cells at '|' even inside code spans.
std::string cell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|')
      out += "\\|";
    else
      out += c == '\n' ? ' ' : c;
  }
  return out;
}

// Prose outside code spans: "<Victim object at 0x…>" would be taken for an HTML tag.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '*' || c == '_' || c == '`' || c == '[' || c == ']')
      out += std::string("\\") + c;
    else
      out += c;
  }
  return out;
}

const ThreadInfo* crashed_thread(const Report& r) {
  for (const auto& t : r.threads)
    if (t.crashed) return &t;
  return r.threads.empty() ? nullptr : &r.threads.front();
}

std::string thread_label(const ThreadInfo& t) {
  return t.name ? fmt::format("{} \"{}\"", t.tid, *t.name) : std::to_string(t.tid);
}

void environment(std::string& out, const Report& r) {
  out += "| | |\n|---|---|\n";
  if (!r.python.version.empty())
    out += fmt::format("| Python | {} ({} build{}, layout from {}) |\n", r.python.version,
                       r.python.build, r.python.free_threaded ? ", free-threaded" : "",
                       r.python.layout_source);
  out += "| Platform | Linux x86-64 |\n";
  if (!r.process.executable.empty())
    out += fmt::format("| Executable | {} |\n", code(r.process.executable));
  if (!r.process.command_line.empty())
    out += fmt::format("| Command line | {} |\n", code(cell(r.process.command_line)));
  if (r.crash) {
    const auto& c = *r.crash;
    std::string sig = fmt::format("{} ({}), {}", c.signal_name, c.signal_description, c.code_name);
    if (c.fault_address) sig += fmt::format(" at {:#x}", *c.fault_address);
    out += fmt::format("| Signal | {} |\n", sig);
    if (c.blame)
      out += fmt::format("| Blame | {} in {} (build-id {}) |\n",
                         code(c.blame->function.empty() ? "??" : c.blame->function),
                         code(basename_of(c.blame->module)),
                         c.blame->build_id.empty() ? "unknown" : c.blame->build_id);
  } else {
    out += "| Signal | none: snapshot of a live process |\n";
  }
  if (r.signature) out += fmt::format("| Signature | {} |\n", code(cell(*r.signature)));
}

void thread_block(std::string& out, const ThreadInfo& t, bool crashed) {
  Style plain;
  if (!t.python_frames.empty())
    out += "```\n" + traceback_text(t.python_frames, true, false, plain) + "```\n";
  size_t shown = 0;
  std::string native;
  // Down to the first evaluator frame: below it is the interpreter's own loop.
  for (size_t i = 0; i < t.native_frames.size() && shown < kNativeAroundCrash; ++i, ++shown) {
    if (!crashed && t.native_frames[i].is_evaluator) break;
    native += native_frame_line(t.native_frames[i], i, plain);
    if (t.native_frames[i].is_evaluator) break;
  }
  if (!native.empty() && (crashed || t.python_frames.empty()))
    out += "\nNative frames" + std::string(crashed ? " around the crash" : "") + ":\n\n```\n" +
           native + "```\n";
  for (const auto& e : t.exceptions) {
    out += fmt::format("\nException being {}:\n\n```\n{}```\n", e.state,
                       exception_text(e, true, plain));
  }
}

void findings(std::string& out, const Report& r) {
  if (r.findings.empty()) return;
  out += "\n#### Heap findings\n\n";
  size_t n = 0;
  for (const auto& f : r.findings) {
    if (n++ == kFindingsShown) {
      out += fmt::format("- … and {} more (see the full report)\n", r.findings.size() - n + 1);
      break;
    }
    out += fmt::format("- **{}** ({}): {}\n", f.check, f.severity, text(f.message));
    size_t p = 0;
    for (const auto& parent : f.parents) {
      if (p++ == kExamplesShown) break;
      out += fmt::format("  - held by {} {} at {}{}\n", parent.type,
                         code(fmt::format("{:#x}", parent.address)), code(parent.slot),
                         parent.conservative ? " (conservative)" : "");
    }
  }
}

void extension_modules(std::string& out, const Report& r) {
  std::string rows;
  size_t count = 0;
  for (const auto& m : r.modules) {
    std::string base = basename_of(m.path);
    bool extension = base.find(".cpython-") != std::string::npos ||
                     base.find(".abi3.so") != std::string::npos ||
                     m.path.find("/site-packages/") != std::string::npos ||
                     m.path.find("/lib-dynload/") != std::string::npos;
    if (!extension) continue;
    ++count;
    rows += fmt::format("| {} | {} | {} |\n", code(m.path),
                        m.build_id.empty() ? "-" : code(m.build_id), m.build_id_status);
  }
  if (!count) return;
  out += fmt::format("\n<details><summary>Extension modules ({})</summary>\n\n", count);
  out += "| module | build-id | on disk |\n|---|---|---|\n" + rows + "\n</details>\n";
}

}  // namespace

std::string render_markdown(const Report& r) {
  std::string out;
  std::string headline = r.crash && !r.crash->summary.empty() ? r.crash->summary
                         : r.crash                            ? r.crash->signal_name
                                                              : "Snapshot of a live Python process";
  out += "### " + text(headline) + "\n\n";
  if (!r.heap_headline.empty()) out += "**" + text(r.heap_headline) + "**\n\n";
  environment(out, r);

  const ThreadInfo* crashed = crashed_thread(r);
  if (crashed) {
    out += fmt::format("\n#### {} thread {}\n\n", r.crash ? "Crashing" : "Main",
                       thread_label(*crashed));
    thread_block(out, *crashed, r.crash.has_value());
  }
  findings(out, r);

  size_t others = r.threads.size() - (crashed ? 1 : 0);
  if (others) {
    out += fmt::format("\n<details><summary>Other threads ({})</summary>\n\n", others);
    for (const auto& t : r.threads) {
      if (&t == crashed) continue;
      out += fmt::format("Thread {}{}\n\n", thread_label(t), t.holds_gil ? " (holds the GIL)" : "");
      thread_block(out, t, false);
      out += "\n";
    }
    out += "</details>\n";
  }
  extension_modules(out, r);
  if (!r.warnings.empty()) {
    out += "\n<details><summary>Analysis warnings</summary>\n\n";
    for (const auto& w : r.warnings) out += "- " + text(w) + "\n";
    out += "\n</details>\n";
  }
  out += "\n<sub>pycore-analyze</sub>\n";
  return out;
}

}  // namespace pycore::report
