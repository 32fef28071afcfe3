#include "pycore/report/signature.hpp"

#include <algorithm>

#include "signature_rules.hpp"

namespace pycore::report {
namespace {

bool starts_with_any(std::string_view s, const auto& prefixes) {
  return std::any_of(std::begin(prefixes), std::end(prefixes),
                     [&](std::string_view p) { return s.starts_with(p); });
}

std::string basename(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A package's __init__.py says nothing without its directory.
std::string python_file_name(const std::string& path) {
  std::string base = basename(path);
  if (base != "__init__.py") return base;
  auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return base;
  return basename(path.substr(0, slash)) + "/" + base;
}

const ThreadInfo* signature_thread(const Report& r) {
  for (const auto& t : r.threads)
    if (t.crashed) return &t;
  // A snapshot: the thread that holds the GIL tells most, else the first one.
  for (const auto& t : r.threads)
    if (t.holds_gil) return &t;
  return r.threads.empty() ? nullptr : &r.threads.front();
}

bool is_system_module(const std::string& path) {
  return starts_with_any(basename(path), rules::kSystemModulePrefixes);
}

bool is_interpreter_module(const Report& r, const std::string& path) {
  for (const auto& m : r.modules)
    if (m.path == path) return m.interpreter;
  return false;
}

std::string native_frame_text(const NativeFrameInfo& f) {
  std::string fn = f.function.empty() ? "?" : normalized_function(f.function);
  return fn + "@" + (f.module.empty() ? "?" : short_module_name(f.module));
}

std::string explaining_kind(const Report& r) {
  for (const auto& f : r.findings)
    if (f.severity == "error") return f.check;
  if (r.crash) return r.crash->signal_name;
  return "snapshot";
}

}  // namespace

std::string short_module_name(const std::string& path) {
  std::string base = basename(path);
  // Extension modules: "_ctypes.cpython-311-x86_64-linux-gnu.so" -> "_ctypes", so the same
  // crash under two Python versions shares its extension's name.
  for (std::string_view marker : {".cpython-", ".abi3.so", ".so"}) {
    auto at = base.find(marker);
    if (at != std::string::npos && at > 0) return base.substr(0, at);
  }
  return base;
}

std::string normalized_function(const std::string& function) {
  std::string f = function;
  for (std::string_view suffix : rules::kIfuncSuffixes) {
    if (f.size() > suffix.size() && f.ends_with(suffix)) {
      f.resize(f.size() - suffix.size());
      break;
    }
  }
  // glibc's internal spellings of public functions: "__strlen" -> "strlen".
  while (f.starts_with("__") && f.size() > 2 && f[2] != '_') f.erase(0, 2);
  return f;
}

std::optional<Blame> find_blame(const Report& r) {
  if (!r.crash) return std::nullopt;
  const ThreadInfo* t = signature_thread(r);
  if (!t) return std::nullopt;
  for (const auto& f : t->native_frames) {
    if (f.module.empty() || is_system_module(f.module)) continue;
    if (is_interpreter_module(r, f.module)) return std::nullopt;  // crashed inside CPython
    Blame b;
    b.module = f.module;
    b.function = f.function;
    for (const auto& m : r.modules)
      if (m.path == f.module) b.build_id = m.build_id;
    return b;
  }
  return std::nullopt;
}

Signature crash_signature(const Report& r) {
  Signature sig;
  std::vector<std::string> parts{explaining_kind(r)};
  const ThreadInfo* t = signature_thread(r);
  if (t) {
    // Native frames above the first evaluator frame: below it is the interpreter itself.
    size_t native = 0;
    for (const auto& f : t->native_frames) {
      if (f.is_evaluator || native == rules::kNativeFrames) break;
      if (!f.function.empty() &&
          starts_with_any(std::string_view(f.function), rules::kIrrelevantFunctionPrefixes))
        continue;
      parts.push_back(native_frame_text(f));
      ++native;
    }
    if (auto blame = find_blame(r)) {
      std::string text =
          native_frame_text(NativeFrameInfo{0, blame->function, blame->module, 0, false, 0});
      if (std::find(parts.begin(), parts.end(), text) == parts.end()) parts.push_back(text);
    }
    size_t py = 0;
    for (const auto& f : t->python_frames) {
      if (py++ == rules::kPythonFrames) break;
      // co_name, not the qualname: 3.10 and 3.11 would disagree on the same crash.
      parts.push_back(f.function + "@" + python_file_name(f.file));
    }
  }
  sig.frames.assign(parts.begin() + 1, parts.end());
  for (size_t i = 0; i < parts.size(); ++i) sig.text += (i ? "|" : "") + parts[i];
  return sig;
}

}  // namespace pycore::report
