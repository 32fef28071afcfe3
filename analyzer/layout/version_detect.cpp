// Which CPython crashed: the module that holds the runtime, the exact version and the
// build flavour, decided from evidence inside the process rather than from file names:
//   1. _Py_DebugOffsets at _PyRuntime (3.13+): cookie, PY_VERSION_HEX, free_threaded;
//   2. Py_Version (3.11+), a const in .rodata, read through the AddressSpace;
//   3. the Py_GetVersion() text ("3.11.7 (main, ...") in the module's written data;
//   4. the file name (libpython3.11d.so.1.0, python3.11), as a last resort.
// The first available source gives the version; later ones are cross-checked.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pycore/layout/sources.hpp"
#include "symbols.hpp"

namespace pycore::layout {
namespace {

using detail::find_in_module;

// Newest minor with a known model (models_for) and, for 3.14, a debug-offsets block.
constexpr int kNewestMinor = 14;
constexpr int kOldestMinor = 6;
// Bound on how much written data is searched for the version text.
constexpr size_t kMaxScanBytes = 64u << 20;

struct Version {
  int major = 0, minor = 0, micro = 0, level = 0xF, serial = 0;
  bool micro_known = false;
};

Version from_hex(uint64_t hex) {
  return Version{static_cast<int>(hex >> 24),         static_cast<int>((hex >> 16) & 0xff),
                 static_cast<int>((hex >> 8) & 0xff), static_cast<int>((hex >> 4) & 0xf),
                 static_cast<int>(hex & 0xf),         true};
}

uint32_t to_hex(const Version& v) {
  return (static_cast<uint32_t>(v.major) << 24) | (static_cast<uint32_t>(v.minor) << 16) |
         (static_cast<uint32_t>(v.micro) << 8) | (static_cast<uint32_t>(v.level) << 4) |
         static_cast<uint32_t>(v.serial);
}

std::string to_string(const Version& v) {
  std::string s = std::to_string(v.major) + "." + std::to_string(v.minor);
  if (!v.micro_known) return s;
  s += "." + std::to_string(v.micro);
  switch (v.level) {
    case 0xA:
      s += "a" + std::to_string(v.serial);
      break;
    case 0xB:
      s += "b" + std::to_string(v.serial);
      break;
    case 0xC:
      s += "rc" + std::to_string(v.serial);
      break;
    default:
      break;
  }
  return s;
}

size_t read_int(std::string_view s, size_t i, int& out) {
  size_t start = i;
  int v = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 4)
    v = v * 10 + (s[i++] - '0');
  if (i == start) return std::string_view::npos;
  out = v;
  return i;
}

// "3.11.7", "3.13.0rc1", "3.14.0a3+" -> Version.
std::optional<Version> parse_version_text(std::string_view s) {
  Version v;
  size_t i = read_int(s, 0, v.major);
  if (i == std::string_view::npos || i >= s.size() || s[i] != '.') return std::nullopt;
  i = read_int(s, i + 1, v.minor);
  if (i == std::string_view::npos || i >= s.size() || s[i] != '.') return std::nullopt;
  i = read_int(s, i + 1, v.micro);
  if (i == std::string_view::npos) return std::nullopt;
  v.micro_known = true;
  std::string_view rest = s.substr(i);
  int level = 0xF;
  if (rest.starts_with("rc")) {
    level = 0xC;
    rest.remove_prefix(2);
  } else if (!rest.empty() && (rest[0] == 'a' || rest[0] == 'b' || rest[0] == 'c')) {
    level = rest[0] == 'a' ? 0xA : rest[0] == 'b' ? 0xB : 0xC;
    rest.remove_prefix(1);
  }
  if (level != 0xF) {
    size_t j = read_int(rest, 0, v.serial);
    if (j == std::string_view::npos) return std::nullopt;
  }
  v.level = level;
  return v;
}

// libpython3.11d.so.1.0 / python3.11 / python3.13t -> minor version and ABI letters.
struct NameHint {
  int major = 0, minor = 0;
  std::string flags;
};
std::optional<NameHint> parse_module_name(std::string_view path) {
  std::string_view base = path.substr(path.find_last_of('/') + 1);
  for (std::string_view prefix : {"libpython", "python"}) {
    if (!base.starts_with(prefix)) continue;
    std::string_view rest = base.substr(prefix.size());
    NameHint h;
    size_t i = read_int(rest, 0, h.major);
    if (i == std::string_view::npos || i >= rest.size() || rest[i] != '.') continue;
    i = read_int(rest, i + 1, h.minor);
    if (i == std::string_view::npos) continue;
    while (i < rest.size() && std::isalpha(static_cast<unsigned char>(rest[i])))
      h.flags += rest[i++];
    if (i < rest.size() && rest[i] != '.') continue;
    return h;
  }
  return std::nullopt;
}

bool is_version_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.';
}

// The module that defines the runtime state: _PyRuntime (3.7+) or, before it existed,
// PyInterpreterState_Head / _PyThreadState_Current (3.6, and 2.7 which we only name).
struct RuntimeModule {
  int index = -1;
  bool has_pyruntime = false;
};
std::optional<RuntimeModule> find_runtime_module(const target::Modules& modules) {
  const std::vector<target::Module>& list = modules.list();
  // The first symbol lookup in a module reads its whole symbol table (milliseconds for
  // libc or a big extension), so modules named like python are tried first; the name is
  // only an ordering hint, the symbol decides.
  std::vector<int> order(list.size());
  for (int i = 0; i < static_cast<int>(list.size()); ++i) order[i] = i;
  std::stable_partition(order.begin(), order.end(),
                        [&](int i) { return list[i].name.find("python") != std::string::npos; });
  for (int pass = 0; pass < 2; ++pass) {
    for (int i : order) {
      if (pass == 0 && find_in_module(modules, i, "_PyRuntime")) return RuntimeModule{i, true};
      if (pass == 1 && (find_in_module(modules, i, "PyInterpreterState_Head") ||
                        find_in_module(modules, i, "_PyThreadState_Current")))
        return RuntimeModule{i, false};
    }
  }
  return std::nullopt;
}

std::optional<std::string> scan_module_data(const target::AddressSpace& memory,
                                            const target::Module& module) {
  size_t scanned = 0;
  for (const target::Region& r : memory.regions()) {
    if (!r.writable || r.origin != target::Origin::kCore) continue;
    if (r.end <= module.low || r.start >= module.high) continue;
    uint64_t start = std::max(r.start, module.low), end = std::min(r.end, module.high);
    if (scanned >= kMaxScanBytes) break;
    size_t offset = start - r.start;
    if (offset >= r.bytes.size()) continue;
    size_t len =
        std::min<uint64_t>({end - start, kMaxScanBytes - scanned, r.bytes.size() - offset});
    scanned += len;
    std::span<const std::byte> bytes = r.bytes.subspan(offset, len);
    if (std::optional<std::string> s = find_version_string(bytes)) return s;
  }
  return std::nullopt;
}

void note(std::vector<std::string>& notes, std::string text) {
  notes.push_back(std::move(text));
}

}  // namespace

std::optional<std::string> find_version_string(std::span<const std::byte> bytes) {
  const char* data = reinterpret_cast<const char*>(bytes.data());
  std::string_view all(data, bytes.size());
  // Anchor on " (" and look back for "MAJOR.MINOR.MICRO[level serial][+]"; the buffer is
  // "%.80s (%.80s) %.80s" with the version first, so the text must start after a
  // non-version byte. Free-threaded builds put "[experimental ]free-threading build "
  // between the version and the parenthesis.
  for (size_t p = all.find(" ("); p != std::string_view::npos; p = all.find(" (", p + 1)) {
    size_t end = p;
    for (std::string_view ft : {" experimental free-threading build", " free-threading build"}) {
      if (end >= ft.size() && all.substr(end - ft.size(), ft.size()) == ft) {
        end -= ft.size();
        break;
      }
    }
    size_t start = end;
    while (start > 0 && end - start < 24 &&
           (is_version_char(all[start - 1]) || all[start - 1] == '+'))
      --start;
    if (start == end || (start > 0 && std::isgraph(static_cast<unsigned char>(all[start - 1]))))
      continue;
    std::string_view text = all.substr(start, end - start);
    std::string_view core = text;
    if (core.ends_with('+')) core.remove_suffix(1);
    std::optional<Version> v = parse_version_text(core);
    if (!v || (v->major != 2 && v->major != 3)) continue;
    if (to_string(*v) != core) continue;  // trailing junk, e.g. "3.11.7x"
    return std::string(text);
  }
  return std::nullopt;
}

Result<PythonBuild> identify_build(const target::AddressSpace& memory,
                                   const target::Modules& modules,
                                   std::vector<std::string>& notes) {
  std::optional<RuntimeModule> rt = find_runtime_module(modules);
  if (!rt)
    return Error{ExitCode::kNoPython,
                 "no CPython runtime in the process: no module defines _PyRuntime, "
                 "PyInterpreterState_Head or _PyThreadState_Current"};
  const target::Module& module = modules.list()[static_cast<size_t>(rt->index)];
  const std::string& where = module.file.empty() ? module.name : module.file;

  PythonBuild build;
  build.python_module = rt->index;
  build.shared_libpython = !module.is_main;
  std::optional<Version> version;
  std::vector<std::string> evidence;

  // 1. _Py_DebugOffsets
  std::optional<DebugOffsetsHeader> dbg;
  if (rt->has_pyruntime) {
    uint64_t runtime = detail::address_in_module(modules, rt->index, "_PyRuntime");
    std::byte head[24];
    if (memory.read(runtime, head, sizeof head)) dbg = parse_debug_offsets_header(head);
    if (dbg && (dbg->version >> 24) == 3) {
      version = from_hex(dbg->version);
      build.identified_by = "_Py_DebugOffsets";
      build.free_threaded = dbg->free_threaded == 1;
      evidence.push_back("_Py_DebugOffsets " + to_string(*version));
    }
  }
  // 2. Py_Version
  if (uint64_t addr = detail::address_in_module(modules, rt->index, "Py_Version")) {
    if (std::optional<uint64_t> hex = memory.u64(addr); hex && (*hex >> 24) == 3) {
      Version v = from_hex(*hex);
      evidence.push_back("Py_Version " + to_string(v));
      if (!version) {
        version = v;
        build.identified_by = "Py_Version";
      } else if (to_hex(v) != to_hex(*version)) {
        note(notes, "version: Py_Version says " + to_string(v) + ", _Py_DebugOffsets says " +
                        to_string(*version) + "; using the latter");
      }
    }
  }
  // 3. the version text
  if (std::optional<std::string> text = scan_module_data(memory, module)) {
    build.version_string = *text;
    std::string core = *text;
    if (!core.empty() && core.back() == '+') core.pop_back();
    if (std::optional<Version> v = parse_version_text(core)) {
      evidence.push_back("version text \"" + *text + "\"");
      if (!version) {
        version = v;
        build.identified_by = "version string in the module's data";
      } else if (v->major != version->major || v->minor != version->minor ||
                 v->micro != version->micro) {
        note(notes, "version: the version text says " + *text + ", " + build.identified_by +
                        " says " + to_string(*version));
      }
    }
  }
  // 4. the file name
  std::optional<NameHint> name = parse_module_name(module.name);
  if (!name) name = parse_module_name(module.file);
  if (name) {
    evidence.push_back("file name " + std::to_string(name->major) + "." +
                       std::to_string(name->minor) + name->flags);
    if (!version) {
      version = Version{name->major, name->minor, 0, 0xF, 0, false};
      build.identified_by = "file name";
    } else if (name->major != version->major || name->minor != version->minor) {
      note(notes, "version: the file name says " + std::to_string(name->major) + "." +
                      std::to_string(name->minor) + ", " + build.identified_by + " says " +
                      to_string(*version));
    }
  }
  if (!version)
    return Error{ExitCode::kUnsupportedPython,
                 "cannot tell which Python this is (found a runtime in " + where + ")"};

  build.major = version->major;
  build.minor = version->minor;
  build.micro = version->micro;
  build.release_level = version->level;
  build.serial = version->serial;
  build.hexversion = to_hex(*version);
  if (build.version_string.empty() || build.identified_by != "version string in the module's data")
    build.version_string = to_string(*version);

  if (build.major != 3 || build.minor < kOldestMinor)
    return Error{
        ExitCode::kUnsupportedPython,
        "Python " + to_string(*version) + " is not supported yet (found in " + where + ")"};
  if (build.minor > kNewestMinor)
    return Error{ExitCode::kUnsupportedPython, "Python " + to_string(*version) +
                                                   " is newer than any layout known to this "
                                                   "pycore-analyze (3." +
                                                   std::to_string(kNewestMinor) +
                                                   " is the newest; found in " + where + ")"};

  // Build flavour. Debug builds keep reference-count checks in exported functions.
  std::string flags = name ? name->flags : "";
  build.debug = find_in_module(modules, rt->index, "_Py_NegativeRefcount").has_value() ||
                find_in_module(modules, rt->index, "_Py_RefTotal").has_value() ||
                flags.find('d') != std::string::npos;
  build.trace_refs = find_in_module(modules, rt->index, "_Py_PrintReferences").has_value();
  if (!dbg && flags.find('t') != std::string::npos) build.free_threaded = true;
  // pymalloc: its static state is named in .symtab (<= 3.11); 3.6/3.7 also say 'm'.
  if (module.has_symtab && build.minor <= 11) {
    build.pymalloc = find_in_module(modules, rt->index, "usedpools").has_value();
  } else if (name && build.minor <= 7) {
    build.pymalloc = flags.find('m') != std::string::npos;
  }

  std::string joined;
  for (const std::string& e : evidence) joined += (joined.empty() ? "" : ", ") + e;
  note(notes, "build: Python " + build.version_string + (build.debug ? " debug" : "") +
                  (build.trace_refs ? " trace-refs" : "") +
                  (build.free_threaded ? " free-threaded" : "") + " in " + where + " (module " +
                  std::to_string(rt->index) + "), identified by " + build.identified_by +
                  " [evidence: " + joined + "]");
  return build;
}

}  // namespace pycore::layout
