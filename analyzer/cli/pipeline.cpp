#include "pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "pycore/layout/describe.hpp"
#include "pycore/layout/layout.hpp"
#include "pycore/report/signals.hpp"
#include "pycore/report/signature.hpp"
#include "pycore/target/address_space.hpp"
#include "pycore/target/core_file.hpp"
#include "pycore/target/modules.hpp"
#include "pycore/target/native_stack.hpp"
#include "stages.hpp"

namespace pycore::cli {
namespace {

std::string status_text(target::BuildIdStatus s) {
  switch (s) {
    case target::BuildIdStatus::kMatch:
      return "match";
    case target::BuildIdStatus::kMismatch:
      return "mismatch";
    case target::BuildIdStatus::kFileMissing:
      return "missing";
    case target::BuildIdStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

void fill_process(report::Report& r, const target::CoreFile& core, const target::Modules& mods) {
  if (core.process) {
    r.process.pid = core.process->pid;
    r.process.command_line = core.process->command_line;
  }
  if (const auto* m = mods.main())
    r.process.executable = m->file.empty() ? m->name : m->file;
  else if (core.execfn)
    r.process.executable = *core.execfn;
  for (const auto& m : mods.list()) {
    report::ModuleInfo info;
    info.path = m.name;
    info.build_id = m.build_id;
    info.build_id_status = status_text(m.status);
    info.load_address = m.low;
    info.debug_info = m.has_dwarf;
    info.interpreter = m.is_main;
    r.modules.push_back(std::move(info));
  }
}

// gcore and similar snapshots carry no signal, or a stop signal sent by the debugger.
bool is_crash(const target::CoreFile& core) {
  if (!core.signal || core.signal->signo == 0) return false;
  return core.signal->signo != 19 /*SIGSTOP*/;
}

void fill_crash(report::Report& r, const target::CoreFile& core) {
  if (!is_crash(core)) return;
  const auto& s = *core.signal;
  report::CrashInfo c;
  c.signal = s.signo;
  c.signal_name = report::signal_name(s.signo);
  c.signal_description = report::signal_description(s.signo);
  c.code = s.code;
  c.code_name = report::signal_code_name(s.signo, s.code);
  if (report::signal_has_fault_address(s.signo, s.code)) c.fault_address = s.fault_address;
  // The kernel writes the thread that took the signal first.
  if (!core.threads.empty()) c.thread = core.threads.front().tid;
  r.crash = c;
}

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// One sentence: the signal, the innermost named native frame, the innermost Python frame.
std::string crash_summary(const report::Report& r) {
  if (!r.crash) return {};
  std::string s = r.crash->signal_name;
  auto crashed =
      std::find_if(r.threads.begin(), r.threads.end(), [](const auto& t) { return t.crashed; });
  if (crashed == r.threads.end()) return s;
  const report::NativeFrameInfo* top = nullptr;
  for (const auto& n : crashed->native_frames) {
    if (n.function.empty()) continue;
    top = &n;
    s += " in " + n.function;
    if (!n.module.empty()) s += " (" + basename(n.module) + ")";
    break;
  }
  if (const auto& b = r.crash->blame; b && (!top || top->module != b->module))
    s += " called from " + (b->function.empty() ? std::string("??") : b->function) + " (" +
         basename(b->module) + ")";
  if (!crashed->python_frames.empty()) {
    const auto& f = crashed->python_frames.front();
    s += fmt::format(" while running Python {} at {}:{}",
                     f.qualname.empty() ? f.function : f.qualname, basename(f.file),
                     f.line ? std::to_string(*f.line) : "?");
  }
  return s;
}

void order_threads(report::Report& r) {
  std::stable_partition(r.threads.begin(), r.threads.end(),
                        [](const auto& t) { return t.crashed; });
}

}  // namespace

ExitCode more_severe(ExitCode a, ExitCode b) {
  // Unusable input beats an unsupported build beats partial input beats findings.
  auto rank = [](ExitCode c) {
    switch (c) {
      case ExitCode::kOk:
        return 0;
      case ExitCode::kFindings:
        return 1;
      case ExitCode::kNoPython:
        return 2;
      case ExitCode::kExecutableMismatch:
        return 3;
      case ExitCode::kCoreTruncated:
        return 4;
      case ExitCode::kUnsupportedPython:
        return 5;
      default:
        return 6;
    }
  };
  return rank(a) >= rank(b) ? a : b;
}

Outcome run_pipeline(const Options& o) {
  Outcome out;
  auto core = target::load_core(o.core);
  if (!core) {
    out.exit = core.error().code;
    out.fatal = core.error().message;
    return out;
  }
  out.report.core_path = o.core;
  // The target stage words the truncation warning; here it only decides the exit code.
  if (core->truncated) {
    out.exit = more_severe(out.exit, ExitCode::kCoreTruncated);
    out.partial_reasons.push_back("the core is truncated (" + std::to_string(core->missing_bytes) +
                                  " bytes missing): the report is partial");
  }
  for (const auto& w : core->warnings) out.report.warnings.push_back(w);

  target::ModuleOptions mo;
  mo.executable = o.executable;
  mo.sysroot = o.sysroot;
  mo.debug_dirs = o.debug_dirs;
  mo.cache_dir = o.cache_dir;
  auto modules = target::Modules::load(*core, mo);
  if (!modules) {
    out.exit = more_severe(out.exit, modules.error().code);
    out.fatal = modules.error().message;
    return out;
  }
  for (const auto& w : modules->warnings()) out.report.warnings.push_back(w);
  if (const auto* m = modules->main(); m && m->status == target::BuildIdStatus::kMismatch) {
    out.exit = more_severe(out.exit, ExitCode::kExecutableMismatch);
    out.partial_reasons.push_back(m->file + " is not the executable that dumped this core " +
                                  "(build-id " + m->disk_build_id + ", the core's " + m->build_id +
                                  "): its contents were ignored");
  }
  fill_process(out.report, *core, *modules);
  fill_crash(out.report, *core);

  auto memory = target::AddressSpace::build(*core, *modules);
  auto native = target::unwind_all_threads(*core, *modules);

  layout::LayoutOptions lo;
  lo.cache_dir = o.cache_dir;
  lo.use_debug_offsets = o.layout_source == "auto" || o.layout_source == "debug-offsets";
  lo.use_dwarf = o.layout_source == "auto" || o.layout_source == "dwarf";
  lo.use_builtin = o.layout_source == "auto" || o.layout_source == "builtin";
  auto layout = layout::resolve_layout(memory, *modules, lo);

  if (o.print_layout) {
    if (layout) {
      out.layout_text = layout::describe_layout(*layout);
    } else {
      out.exit = more_severe(out.exit, layout.error().code);
      out.fatal = layout.error().message;
    }
    return out;
  }

  StageInputs in{*core, *modules, memory, native, o};
  if (!layout) {
    out.exit = more_severe(out.exit, layout.error().code);
    out.fatal = layout.error().message;
    out.report.warnings.push_back(layout.error().message);
    out.report.threads = native_only_threads(in);
  } else {
    fill_python(out.report, in, *layout);
    if (o.heap && fill_heap(out.report, in, *layout))
      out.exit = more_severe(out.exit, ExitCode::kFindings);
  }
  order_threads(out.report);
  if (out.report.crash) {
    out.report.crash->blame = report::find_blame(out.report);
    out.report.crash->summary = crash_summary(out.report);
  }
  if (!out.report.threads.empty()) {
    auto sig = report::crash_signature(out.report);
    out.report.signature = sig.text;
    out.report.signature_frames = sig.frames;
  }
  out.report.exit_code = static_cast<int>(out.exit);
  return out;
}

}  // namespace pycore::cli
