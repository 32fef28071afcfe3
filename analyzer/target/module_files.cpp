// Which file on disk stands for a module, and whether it is the one the process mapped.
#include <elf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <string_view>

#include "build_id.hpp"
#include "modules_impl.hpp"

namespace pycore::target::detail {

std::string with_sysroot(const std::string& sysroot, const std::string& path) {
  if (sysroot.empty() || path.empty() || path.front() != '/') return path;
  std::string_view root = sysroot;
  while (!root.empty() && root.back() == '/') root.remove_suffix(1);
  return std::string(root) + path;
}

std::string without_deleted_suffix(const std::string& path) {
  // The kernel names an unlinked file "path (deleted)"; a file may since exist there again.
  constexpr std::string_view kSuffix = " (deleted)";
  if (path.size() > kSuffix.size() && path.ends_with(kSuffix)) {
    return path.substr(0, path.size() - kSuffix.size());
  }
  return path;
}

void examine_file(ModuleFile& file, const std::string& path) {
  file.path = path;
  file.exists = file.is_elf = false;
  file.disk_build_id.clear();
  file.bytes.reset();
  auto mapped = MappedFile::open(path);
  if (!mapped) {
    file.status = BuildIdStatus::kFileMissing;
    return;
  }
  file.exists = true;
  FileIdentity id = identify_file(mapped.value()->bytes());
  file.is_elf = id.is_elf;
  file.disk_build_id = id.build_id;
  if (!id.is_elf) {
    file.status = BuildIdStatus::kMismatch;
  } else if (file.core_build_id.empty() || id.build_id.empty()) {
    file.status = BuildIdStatus::kUnknown;
  } else {
    file.status =
        file.core_build_id == id.build_id ? BuildIdStatus::kMatch : BuildIdStatus::kMismatch;
  }
  if (file.status != BuildIdStatus::kMismatch) file.bytes = std::move(mapped.value());
}

bool looks_like_elf(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char magic[SELFMAG];
  bool elf = ::read(fd, magic, SELFMAG) == SELFMAG && std::memcmp(magic, ELFMAG, SELFMAG) == 0;
  ::close(fd);
  return elf;
}

std::optional<std::string> file_warning(const ModuleFile& file) {
  if (file.path.empty()) return std::nullopt;  // the vDSO: its image is in the core
  switch (file.status) {
    case BuildIdStatus::kFileMissing:
      return file.path + ": not found: no symbols or file-backed memory for this module";
    case BuildIdStatus::kMismatch:
      if (!file.is_elf) return file.path + ": not an ELF file: ignoring the file's contents";
      return file.path + ": build-id " + file.core_build_id + " in the core, " +
             file.disk_build_id + " on disk: ignoring the file's contents";
    default:
      return std::nullopt;
  }
}

}  // namespace pycore::target::detail
