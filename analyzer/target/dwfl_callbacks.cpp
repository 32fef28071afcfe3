// Where libdwfl gets module files and debug files from.
#include <libelf.h>
#include <sys/stat.h>

#include <cstdlib>
#include <cstring>

#include "modules_impl.hpp"

namespace pycore::target::detail {
namespace {

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The build-id store layout: DIR/.build-id/xx/rest is the file, xx/rest.debug its debug
// file.
std::string build_id_path(const std::string& dir, const std::string& id) {
  return dir + "/.build-id/" + id.substr(0, 2) + "/" + id.substr(2);
}

void replace_name(char** name, const std::string& value) {
  std::free(*name);
  *name = strdup(value.c_str());
}

// Hands libdwfl our read-only mapping of a checked file.
int give_elf(const ModuleFile& file, char** file_name, Elf** elfp) {
  auto bytes = file.bytes->bytes();
  // ELF_C_READ never writes to the image (and the mapping is read-only).
  Elf* elf =
      elf_memory(const_cast<char*>(reinterpret_cast<const char*>(bytes.data())), bytes.size());
  if (elf == nullptr) return -1;
  replace_name(file_name, file.path);  // for the debuglink search by directory
  *elfp = elf;
  return -1;  // no fd: libdwfl owns the Elf, the mapping outlives the session
}

// Would libdwfl's search by debuglink name find anything? The elements of the path are
// the main file's directory, its .debug subdirectory, and each global directory joined
// with the main file's directory and its suffixes (/usr/lib/debug/usr/bin, .../bin, ...).
bool debuglink_candidate_exists(const std::vector<std::string>& debug_dirs, const char* file_name,
                                const char* debuglink) {
  // An absolute name: a dwz alternate file (.gnu_debugaltlink).
  if (debuglink != nullptr && debuglink[0] == '/') return is_regular_file(debuglink);
  if (file_name == nullptr) return false;
  std::string main_file = file_name;
  auto slash = main_file.rfind('/');
  std::string dir = slash == std::string::npos ? "." : main_file.substr(0, slash);
  std::string name = debuglink != nullptr
                         ? debuglink
                         : main_file.substr(slash == std::string::npos ? 0 : slash + 1) + ".debug";
  if (name.empty()) return false;
  if (is_regular_file(dir + "/" + name) && dir + "/" + name != main_file) return true;
  if (is_regular_file(dir + "/.debug/" + name)) return true;
  for (const auto& root : debug_dirs) {
    std::string_view suffix = dir;
    while (true) {
      if (is_regular_file(root + std::string(suffix) + "/" + name)) return true;
      auto next = suffix.find('/', 1);
      if (suffix.empty() || next == std::string_view::npos) break;
      suffix.remove_prefix(next);
    }
    if (is_regular_file(root + "/" + name)) return true;
  }
  return false;
}

}  // namespace

std::string dwfl_error() {
  const char* message = dwfl_errmsg(-1);
  return message != nullptr && message[0] != '\0' ? message : "unknown libdwfl error";
}

std::string elf_error() {
  const char* message = elf_errmsg(-1);
  return message != nullptr && message[0] != '\0' ? message : "unknown libelf error";
}

int find_elf(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base, char** file_name,
             Elf** elfp) {
  auto* file = static_cast<ModuleFile*>(*userdata);
  // No state yet: libdwfl is still inside dwfl_core_file_report (it opens the executable
  // this way when the core lacks its program headers). The standard lookup then uses the
  // executable given to dwfl_core_file_report; Modules::load checks its build-id later.
  if (file == nullptr) return dwfl_build_id_find_elf(mod, userdata, name, base, file_name, elfp);
  *elfp = nullptr;
  if (file->bytes) return give_elf(*file, file_name, elfp);
  // Never fall back to a name libdwfl may have primed: that file was not checked.
  std::free(*file_name);
  *file_name = nullptr;
  if (file->status != BuildIdStatus::kFileMissing || file->core_build_id.size() < 4) return -1;
  // Not at the path the core names: look its build-id up in the debug directories
  // (build-id stores keep executables there too).
  for (const auto& dir : *file->debug_dirs) {
    std::string candidate = build_id_path(dir, file->core_build_id);
    if (!is_regular_file(candidate)) continue;
    ModuleFile trial = *file;
    examine_file(trial, candidate);
    if (trial.status == BuildIdStatus::kMatch) {
      *file = std::move(trial);
      return give_elf(*file, file_name, elfp);
    }
  }
  return -1;
}

int find_debuginfo(Dwfl_Module* mod, void** userdata, const char* name, Dwarf_Addr base,
                   const char* file_name, const char* debuglink_file, GElf_Word debuglink_crc,
                   char** debuginfo_file_name) {
  int fd = dwfl_build_id_find_debuginfo(mod, userdata, name, base, file_name, debuglink_file,
                                        debuglink_crc, debuginfo_file_name);
  if (fd >= 0) return fd;
  auto* file = static_cast<ModuleFile*>(*userdata);
  // The standard search by name ends with the debuginfod client when it finds nothing, so
  // call it only when it will find a file.
  if (file == nullptr || file->debug_dirs == nullptr ||
      !debuglink_candidate_exists(*file->debug_dirs, file_name, debuglink_file)) {
    return -1;
  }
  return dwfl_standard_find_debuginfo(mod, userdata, name, base, file_name, debuglink_file,
                                      debuglink_crc, debuginfo_file_name);
}

}  // namespace pycore::target::detail
