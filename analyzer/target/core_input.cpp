#include "pycore/target/core_input.hpp"

#include <lz4frame.h>
#include <lzma.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace pycore::target {
namespace {

// A decompressed core larger than this is refused rather than exhausting memory: 64 GiB, or
// half of the machine's memory when that is less (the bytes are held in memory; a bomb
// must end in a clear error, not in the OOM killer).
size_t max_decompressed() {
  static const size_t limit = [] {
    size_t cap = size_t{64} << 30;
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) cap = std::min(cap, static_cast<size_t>(pages) * page / 2);
    // Test-only: a limit the tests can reach with an ordinary corpus core.
    if (const char* mb = std::getenv("PYCORE_TEST_MAX_DECOMPRESSED_MB"))
      cap = std::min(cap, static_cast<size_t>(std::strtoull(mb, nullptr, 10)) << 20);
    return cap;
  }();
  return limit;
}
constexpr size_t kChunk = size_t{4} << 20;
constexpr size_t kMaxReserve = size_t{1} << 30;

bool starts_with(std::span<const std::byte> b, std::initializer_list<unsigned> magic) {
  if (b.size() < magic.size()) return false;
  size_t i = 0;
  for (unsigned m : magic)
    if (std::to_integer<unsigned>(b[i++]) != m) return false;
  return true;
}

Error corrupt(const std::string& path, const std::string& format, const std::string& why) {
  return Error{ExitCode::kNotACore, path + ": corrupt " + format + " stream (" + why + ")"};
}

Error too_big(const std::string& path) {
  return Error{ExitCode::kNotACore,
               path + ": decompresses to more than " + std::to_string(max_decompressed() >> 20) +
                   " MiB (half of this machine's memory, at most 64 GiB); decompress it to a "
                   "file and analyse that"};
}

// Each decoder appends to `out`, growing it by chunks; resize() beyond what was written is
// undone at the end.
Result<std::vector<std::byte>> zstd_decode(const std::string& path, std::span<const std::byte> in) {
  std::vector<std::byte> out;
  unsigned long long known = ZSTD_getFrameContentSize(in.data(), in.size());
  // The frame header's size is a hint from the input: up to kMaxReserve it saves the
  // copies of growing; past it a corrupt header would make us allocate gigabytes up front.
  if (known != ZSTD_CONTENTSIZE_UNKNOWN && known != ZSTD_CONTENTSIZE_ERROR)
    out.reserve(std::min<unsigned long long>(known, kMaxReserve));
  std::unique_ptr<ZSTD_DStream, size_t (*)(ZSTD_DStream*)> ds(ZSTD_createDStream(),
                                                              ZSTD_freeDStream);
  ZSTD_initDStream(ds.get());
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  size_t used = 0, last = 1;
  while (input.pos < input.size) {
    if (out.size() - used < kChunk) out.resize(used + kChunk);
    ZSTD_outBuffer output{out.data() + used, out.size() - used, 0};
    last = ZSTD_decompressStream(ds.get(), &output, &input);
    if (ZSTD_isError(last)) return corrupt(path, "zstd", ZSTD_getErrorName(last));
    used += output.pos;
    if (used > max_decompressed()) return too_big(path);
    if (output.pos == 0 && input.pos == input.size) break;
  }
  if (last != 0) return corrupt(path, "zstd", "stream ends early");
  out.resize(used);
  return out;
}

Result<std::vector<std::byte>> lz4_decode(const std::string& path, std::span<const std::byte> in) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION)))
    return Error{ExitCode::kInternal, "lz4: cannot create a decompression context"};
  std::unique_ptr<LZ4F_dctx, size_t (*)(LZ4F_dctx*)> ctx(raw, LZ4F_freeDecompressionContext);
  std::vector<std::byte> out;
  size_t used = 0, pos = 0, hint = 1;
  while (pos < in.size() && hint != 0) {
    if (out.size() - used < kChunk) out.resize(used + kChunk);
    size_t dst = out.size() - used, src = in.size() - pos;
    hint = LZ4F_decompress(ctx.get(), out.data() + used, &dst, in.data() + pos, &src, nullptr);
    if (LZ4F_isError(hint)) return corrupt(path, "lz4", LZ4F_getErrorName(hint));
    used += dst;
    pos += src;
    if (used > max_decompressed()) return too_big(path);
    if (dst == 0 && src == 0) break;
  }
  if (hint != 0) return corrupt(path, "lz4", "stream ends early");
  out.resize(used);
  return out;
}

Result<std::vector<std::byte>> xz_decode(const std::string& path, std::span<const std::byte> in) {
  lzma_stream strm = LZMA_STREAM_INIT;
  if (lzma_stream_decoder(&strm, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
    return Error{ExitCode::kInternal, "xz: cannot create a decoder"};
  std::unique_ptr<lzma_stream, void (*)(lzma_stream*)> guard(&strm, lzma_end);
  std::vector<std::byte> out;
  strm.next_in = reinterpret_cast<const uint8_t*>(in.data());
  strm.avail_in = in.size();
  size_t used = 0;
  lzma_ret ret = LZMA_OK;
  while (ret == LZMA_OK) {
    if (out.size() - used < kChunk) out.resize(used + kChunk);
    strm.next_out = reinterpret_cast<uint8_t*>(out.data() + used);
    strm.avail_out = out.size() - used;
    ret = lzma_code(&strm, strm.avail_in ? LZMA_RUN : LZMA_FINISH);
    used = out.size() - strm.avail_out;
    if (used > max_decompressed()) return too_big(path);
  }
  if (ret != LZMA_STREAM_END) return corrupt(path, "xz", "lzma error " + std::to_string(ret));
  out.resize(used);
  return out;
}

Result<std::vector<std::byte>> read_all_stdin() {
  std::vector<std::byte> data;
  size_t used = 0;
  for (;;) {
    if (data.size() - used < kChunk) data.resize(used + kChunk);
    ssize_t n = ::read(STDIN_FILENO, data.data() + used, data.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error{ExitCode::kInputUnreadable, std::string("-: ") + std::strerror(errno)};
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > max_decompressed()) return too_big("-");
  }
  data.resize(used);
  return data;
}

}  // namespace

Compression detect_compression(std::span<const std::byte> head) {
  if (starts_with(head, {0x28, 0xb5, 0x2f, 0xfd})) return Compression::kZstd;
  if (starts_with(head, {0x04, 0x22, 0x4d, 0x18})) return Compression::kLz4;
  if (starts_with(head, {0xfd, '7', 'z', 'X', 'Z', 0x00})) return Compression::kXz;
  return Compression::kNone;
}

Result<std::shared_ptr<const MappedFile>> open_core_input(const std::string& path) {
  std::shared_ptr<const MappedFile> raw;
  if (path == "-") {
    auto data = read_all_stdin();
    if (!data) return data.error();
    raw = MappedFile::from_memory("-", std::move(data.value()));
  } else {
    auto mapped = MappedFile::open(path);
    if (!mapped) return mapped.error();
    raw = std::move(mapped.value());
  }
  Result<std::vector<std::byte>> plain = Error{ExitCode::kInternal, ""};
  switch (detect_compression(raw->bytes())) {
    case Compression::kNone:
      return raw;
    case Compression::kZstd:
      plain = zstd_decode(path, raw->bytes());
      break;
    case Compression::kLz4:
      plain = lz4_decode(path, raw->bytes());
      break;
    case Compression::kXz:
      plain = xz_decode(path, raw->bytes());
      break;
  }
  if (!plain) return plain.error();
  return MappedFile::from_memory(path, std::move(plain.value()));
}

}  // namespace pycore::target
