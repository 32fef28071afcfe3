// libFuzzer target: how a core is opened — compression detected from magic bytes, zstd /
// lz4 / xz streams decoded — then the ELF reader on the result. The input goes through a
// memfd so that open_core_input() takes its real path (mmap of a file).
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "pycore/target/core_file.hpp"
#include "pycore/target/core_input.hpp"

using namespace pycore;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static int fd = memfd_create("fuzz-core", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0) return 0;
  if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  (void)target::detect_compression({reinterpret_cast<const std::byte*>(data), size});
  auto file = target::open_core_input(path);
  if (!file) return 0;
  (void)target::load_core(std::move(file.value()));
  return 0;
}
