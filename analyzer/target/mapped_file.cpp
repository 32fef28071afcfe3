#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pycore/target/core_file.hpp"

namespace pycore::target {
namespace {

Error unreadable(const std::string& path, int err) {
  return Error{ExitCode::kInputUnreadable, path + ": " + std::strerror(err)};
}

}  // namespace

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unreadable(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return unreadable(path, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return unreadable(path, S_ISDIR(st.st_mode) ? EISDIR : EINVAL);
  }
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = path;
  file->size_ = static_cast<size_t>(st.st_size);
  if (file->size_ > 0) {
    void* p = ::mmap(nullptr, file->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      return unreadable(path, err);
    }
    file->data_ = static_cast<const std::byte*>(p);
    file->mapped_ = true;
  }
  // The mapping stays valid after close.
  ::close(fd);
  return std::shared_ptr<const MappedFile>(std::move(file));
}

std::shared_ptr<const MappedFile> MappedFile::from_memory(std::string name,
                                                          std::vector<std::byte> bytes) {
  std::shared_ptr<MappedFile> file(new MappedFile());
  file->path_ = std::move(name);
  file->owned_ = std::move(bytes);
  file->data_ = file->owned_.data();
  file->size_ = file->owned_.size();
  return file;
}

MappedFile::~MappedFile() {
  if (mapped_) {
    ::munmap(const_cast<std::byte*>(data_), size_);
  }
}

}  // namespace pycore::target
