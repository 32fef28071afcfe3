// Loads the LLVM-based DWARF reader (libpycore_dwarf.so) on first use. Most analyses find
// their layout in the cache and never pay for loading libLLVM.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>

#include "pycore/layout/sources.hpp"

namespace pycore::layout {
namespace {

using ReadFn = void (*)(const std::string&, const DwarfOptions&, Result<DwarfLayout>*);

std::string executable_dir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

// Where the plugin may be, in order: an explicit override, the build tree that built this
// binary, an installed layout (bin/ beside lib/pycore-analyze/).
std::vector<std::string> candidates() {
  std::vector<std::string> out;
  if (const char* env = std::getenv("PYCORE_DWARF_PLUGIN")) out.emplace_back(env);
  out.emplace_back(PYCORE_DWARF_PLUGIN_BUILD_PATH);
  std::string dir = executable_dir();
  if (!dir.empty()) out.push_back(dir + "/../lib/pycore-analyze/libpycore_dwarf.so");
  return out;
}

struct Plugin {
  ReadFn read = nullptr;
  std::string error;
};

Plugin load_plugin() {
  Plugin p;
  for (const auto& path : candidates()) {
    // The handle stays open for the process's life: the reader may run more than once.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      if (p.error.empty()) p.error = dlerror();
      continue;
    }
    p.read = reinterpret_cast<ReadFn>(dlsym(handle, "pycore_read_dwarf_layout_v1"));
    if (p.read) return p;
    p.error = path + ": no pycore_read_dwarf_layout_v1";
  }
  return p;
}

}  // namespace

Result<DwarfLayout> read_dwarf_layout(const std::string& path, const DwarfOptions& options) {
  static const Plugin plugin = load_plugin();  // loading is idempotent; no other state
  if (!plugin.read)
    return Error{ExitCode::kInputUnreadable,
                 "the DWARF reader plugin could not be loaded (" + plugin.error + ")"};
  Result<DwarfLayout> out = Error{ExitCode::kInternal, "DWARF reader returned nothing"};
  plugin.read(path, options, &out);
  return out;
}

}  // namespace pycore::layout
