#include "snapshot.hpp"

#include <cstring>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>

namespace pycore::fuzz {
namespace {

using layout::Roots;

constexpr std::string_view kMagic = "PYCSNAP1";

// Roots is a plain run of addresses: stored in member order, so that a snapshot survives
// members added at the end.
static_assert(std::is_trivially_copyable_v<Roots> && sizeof(Roots) % 8 == 0);
constexpr size_t kRootCount = sizeof(Roots) / 8;

uint32_t fnv1a(std::string_view text) {
  uint32_t h = 2166136261u;
  for (char c : text) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return h;
}

std::string layout_text(const Snapshot& s) {
  const auto& b = s.layout.build;
  std::ostringstream out;
  out << "build " << b.major << ' ' << b.minor << ' ' << b.micro << ' ' << b.release_level << ' '
      << b.serial << ' ' << b.hexversion << ' ' << b.debug << ' ' << b.trace_refs << ' '
      << b.free_threaded << ' ' << b.pymalloc << ' ' << b.shared_libpython << '\n';
  uint64_t roots[kRootCount];
  std::memcpy(roots, &s.layout.roots, sizeof roots);
  out << "roots" << std::hex;
  for (uint64_t r : roots) out << ' ' << r;
  out << std::dec << '\n';
  for (size_t i = 0; i < layout::kFieldCount; ++i) {
    const auto& f = s.layout.fields[i];
    if (!f.present()) continue;
    out << "field " << layout::field_info(static_cast<layout::F>(i)).id << ' ' << f.offset << ' '
        << f.size << ' ' << static_cast<int>(f.source) << '\n';
  }
  for (uint64_t obj : s.objects) out << "object " << std::hex << obj << std::dec << '\n';
  return out.str();
}

bool parse_line(const std::string& line, Snapshot& s) {
  std::istringstream in(line);
  std::string key;
  in >> key;
  if (key == "build") {
    auto& b = s.layout.build;
    in >> b.major >> b.minor >> b.micro >> b.release_level >> b.serial >> b.hexversion >> b.debug >>
        b.trace_refs >> b.free_threaded >> b.pymalloc >> b.shared_libpython;
    b.version_string =
        std::to_string(b.major) + "." + std::to_string(b.minor) + "." + std::to_string(b.micro);
    s.layout.models = layout::models_for(b);
    s.layout.constants = layout::constants_for(b);
    return static_cast<bool>(in);
  }
  if (key == "roots") {
    uint64_t roots[kRootCount] = {};
    for (size_t i = 0; i < kRootCount && (in >> std::hex >> roots[i]); ++i) {
    }
    std::memcpy(&s.layout.roots, roots, sizeof roots);
    return true;
  }
  if (key == "field") {
    std::string id;
    layout::FieldLoc loc;
    int source = 0;
    in >> id >> loc.offset >> loc.size >> source;
    auto f = layout::field_by_id(id);
    if (!in) return false;
    if (!f) return true;  // a field this build no longer has
    loc.source = static_cast<layout::Source>(source);
    s.layout.fields[static_cast<size_t>(*f)] = loc;
    return true;
  }
  if (key == "object") {
    uint64_t obj = 0;
    in >> std::hex >> obj;
    s.objects.push_back(obj);
    return static_cast<bool>(in);
  }
  return false;
}

template <class T>
void put(std::vector<std::byte>& out, T value) {
  auto* p = reinterpret_cast<const std::byte*>(&value);
  out.insert(out.end(), p, p + sizeof value);
}

template <class T>
bool take(std::span<const uint8_t>& in, T& value) {
  if (in.size() < sizeof value) return false;
  std::memcpy(&value, in.data(), sizeof value);
  in = in.subspan(sizeof value);
  return true;
}

}  // namespace

std::vector<std::byte> encode_snapshot(const Snapshot& snapshot) {
  std::string text = layout_text(snapshot);
  std::ostringstream check;
  check << "check " << std::hex << fnv1a(text) << '\n';
  text += check.str();
  std::vector<std::byte> out;
  for (char c : kMagic) out.push_back(static_cast<std::byte>(c));
  put<uint32_t>(out, static_cast<uint32_t>(text.size()));
  for (char c : text) out.push_back(static_cast<std::byte>(c));
  for (const auto& r : snapshot.regions) {
    put<uint64_t>(out, r.start);
    put<uint32_t>(out, static_cast<uint32_t>(r.size()));
    put<uint8_t>(out, static_cast<uint8_t>((r.writable ? 1 : 0) | (r.zero ? 2 : 0)));
    if (!r.zero) out.insert(out.end(), r.bytes.begin(), r.bytes.end());
  }
  return out;
}

std::optional<Snapshot> decode_snapshot(std::span<const uint8_t> data) {
  if (data.size() < kMagic.size() || std::memcmp(data.data(), kMagic.data(), kMagic.size()) != 0)
    return std::nullopt;
  data = data.subspan(kMagic.size());
  uint32_t text_size = 0;
  if (!take(data, text_size) || text_size > data.size()) return std::nullopt;
  std::string_view text(reinterpret_cast<const char*>(data.data()), text_size);
  data = data.subspan(text_size);
  size_t check_at = text.rfind("check ");
  if (check_at == std::string_view::npos) return std::nullopt;
  uint32_t expected = 0;
  std::istringstream(std::string(text.substr(check_at + 6))) >> std::hex >> expected;
  if (fnv1a(text.substr(0, check_at)) != expected) return std::nullopt;

  Snapshot s;
  std::istringstream lines{std::string(text.substr(0, check_at))};
  std::string line;
  while (std::getline(lines, line))
    if (!parse_line(line, s)) return std::nullopt;

  while (true) {
    SnapshotRegion r;
    uint32_t size = 0;
    uint8_t flags = 0;
    if (!take(data, r.start) || !take(data, size) || !take(data, flags)) break;
    r.writable = (flags & 1) != 0;
    r.zero = (flags & 2) != 0;
    if (r.zero) {
      r.zero_size = size;
    } else {
      size = static_cast<uint32_t>(std::min<size_t>(size, data.size()));
      auto* p = reinterpret_cast<const std::byte*>(data.data());
      r.bytes.assign(p, p + size);
      data = data.subspan(size);
    }
    s.regions.push_back(std::move(r));
  }
  return s;
}

}  // namespace pycore::fuzz
