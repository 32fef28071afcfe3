// Finding the executable's file from what the core says about itself.
#include <elf.h>
#include <sys/stat.h>

#include "modules_impl.hpp"

namespace pycore::target {
namespace {

const FileMapping* mapping_containing(const CoreFile& core, uint64_t address) {
  for (const auto& m : core.mappings) {
    if (m.start <= address && address < m.end) return &m;
  }
  return nullptr;
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

std::string find_executable(const CoreFile& core, const std::string& sysroot) {
  std::vector<std::string> candidates;
  // NT_FILE names are the kernel's resolved paths, so they come before AT_EXECFN, which
  // is whatever string was passed to execve (possibly relative to a lost cwd).
  for (uint64_t type : {uint64_t{AT_PHDR}, uint64_t{AT_ENTRY}}) {
    if (auto address = core.auxv_value(type)) {
      if (const FileMapping* m = mapping_containing(core, *address)) {
        candidates.push_back(detail::without_deleted_suffix(m->path));
      }
    }
  }
  if (core.execfn) candidates.push_back(*core.execfn);
  for (const auto& path : candidates) {
    std::string file = detail::with_sysroot(sysroot, path);
    if (is_regular_file(file)) return file;
  }
  return {};
}

}  // namespace pycore::target
