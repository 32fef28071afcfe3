// Seeds for the repr, heap and line-table fuzzers, cut from real cores:
//   make_seeds OUT_DIR CORE...
// writes OUT_DIR/linetable/*, OUT_DIR/repr/* and OUT_DIR/heap/* (tests/fuzz/make_seeds.py
// picks the cores from a corpus manifest and adds the ELF-level seeds).
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <set>

#include "corpus_support.hpp"
#include "pycore/python/analyze.hpp"
#include "pycore/python/frames.hpp"
#include "pycore/python/objects.hpp"
#include "snapshot.hpp"

using namespace pycore;
namespace fs = std::filesystem;

namespace {

constexpr uint64_t kGranule = 256;
constexpr size_t kMaxReprGranules = 2048;  // 512 KiB of memory per repr seed
constexpr int kMaxDepth = 5;
constexpr uint64_t kMaxHeapBytes = uint64_t{48} << 20;

void write(const fs::path& path, std::span<const std::byte> bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Memory near the objects and whatever their words point to, breadth first, a few levels
// deep: enough for repr to find types, names, items and keys.
std::vector<fuzz::SnapshotRegion> pointer_closure(const target::AddressSpace& memory,
                                                  const std::vector<uint64_t>& objects) {
  std::set<uint64_t> granules;
  std::deque<std::pair<uint64_t, int>> queue;
  for (uint64_t obj : objects) queue.emplace_back(obj, 0);
  while (!queue.empty() && granules.size() < kMaxReprGranules) {
    auto [address, depth] = queue.front();
    queue.pop_front();
    // GC and pre-headers sit before the object; items and inline values after it.
    uint64_t first = (address - 64) & ~(kGranule - 1);
    for (uint64_t g = first; g < address + 448; g += kGranule) {
      if (granules.count(g) || !memory.readable(g, kGranule)) continue;
      granules.insert(g);
      if (depth >= kMaxDepth) continue;
      for (uint64_t w = g; w < g + kGranule; w += 8) {
        auto value = memory.u64(w);
        if (value && *value >= 0x10000 && memory.readable(*value, 8))
          queue.emplace_back(*value, depth + 1);
      }
    }
  }
  std::vector<fuzz::SnapshotRegion> regions;
  for (uint64_t g : granules) {
    if (regions.empty() || regions.back().start + regions.back().bytes.size() != g) {
      regions.emplace_back();
      regions.back().start = g;
    }
    auto& r = regions.back();
    size_t at = r.bytes.size();
    r.bytes.resize(at + kGranule);
    memory.read(g, r.bytes.data() + at, kGranule);
  }
  for (auto& r : regions)
    for (const auto& region : memory.regions())
      if (region.start <= r.start && r.start < region.end) r.writable = region.writable;
  return regions;
}

// The process's writable memory as dumped in the core (heap, arenas, .data/.bss, stacks),
// plus the read-only pages of the python module (type names), runs of zero pages stored
// without their bytes.
std::vector<fuzz::SnapshotRegion> heap_regions(const test::LoadedCore& loaded) {
  const target::Module* python = nullptr;
  int index = loaded.layout->build.python_module;
  if (index >= 0) python = &loaded.modules->list()[static_cast<size_t>(index)];
  std::vector<fuzz::SnapshotRegion> regions;
  uint64_t total = 0;
  for (const auto& region : loaded.memory.regions()) {
    bool in_python = python && region.start >= python->low && region.end <= python->high;
    if (!(region.writable && region.origin == target::Origin::kCore) && !in_python) continue;
    if (!in_python && region.bytes.size() > (uint64_t{64} << 20)) continue;
    for (uint64_t page = 0; page < region.bytes.size(); page += 4096) {
      auto bytes = region.bytes.subspan(page, std::min<uint64_t>(4096, region.bytes.size() - page));
      bool zero =
          std::all_of(bytes.begin(), bytes.end(), [](std::byte b) { return b == std::byte{0}; });
      uint64_t start = region.start + page;
      bool extend = !regions.empty() && regions.back().start + regions.back().size() == start &&
                    regions.back().zero == zero && regions.back().writable == region.writable &&
                    regions.back().size() + bytes.size() < (uint64_t{1} << 31);
      if (!extend) {
        if (total > kMaxHeapBytes) return regions;
        regions.emplace_back();
        regions.back().start = start;
        regions.back().zero = zero;
        regions.back().writable = region.writable;
      }
      auto& r = regions.back();
      if (zero) {
        r.zero_size += bytes.size();
      } else {
        r.bytes.insert(r.bytes.end(), bytes.begin(), bytes.end());
        total += bytes.size();
      }
    }
  }
  return regions;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR CORE...\n");
    return 2;
  }
  fs::path out = argv[1];
  int written = 0;
  for (int i = 2; i < argc; ++i) {
    fs::path core = argv[i];
    std::string tag = core.parent_path().parent_path().filename().string() + "-" +
                      core.parent_path().filename().string();
    auto loaded = test::load_core(core.string(), "");
    if (!loaded->error.empty() || !loaded->layout) {
      std::fprintf(stderr, "make_seeds: %s: skipped (%s)\n", tag.c_str(), loaded->error.c_str());
      continue;
    }
    python::PythonOptions options;
    auto result = python::analyze_python(*loaded->core, loaded->memory, *loaded->modules,
                                         *loaded->layout, loaded->native, options);
    python::ObjectReader reader(loaded->memory, *loaded->layout);
    python::FrameReader frames(reader, {});

    fuzz::Snapshot snapshot;
    snapshot.layout = *loaded->layout;
    std::set<uint64_t> codes;
    for (const auto& thread : result.threads) {
      for (const auto& frame : thread.python_frames) {
        if (frame.code_address) codes.insert(frame.code_address);
        for (const auto& local : frames.frame_locals(frame.frame_address))
          if (snapshot.objects.size() < 64) snapshot.objects.push_back(local.object);
      }
    }
    for (const auto& thread : result.threads) {
      for (const auto& exc : thread.exceptions) {
        for (auto* e = &exc; e != nullptr; e = e->context.get()) {
          if (e->address) snapshot.objects.push_back(e->address);
          if (e->cause && e->cause->address) snapshot.objects.push_back(e->cause->address);
        }
      }
    }
    for (uint64_t code : codes) snapshot.objects.push_back(code);
    const auto& roots = loaded->layout->roots;
    for (uint64_t type : {roots.type_type, roots.dict_type, roots.int_type, roots.str_type})
      if (type) snapshot.objects.push_back(type);

    // Line tables: format, co_firstlineno, an offset, then the table (fuzz_linetable.cpp).
    int n = 0;
    for (uint64_t code : codes) {
      auto info = reader.code(code);
      if (!info) continue;
      auto table = reader.bytes(info->linetable.object, 1 << 16);
      if (!table) continue;
      std::vector<std::byte> seed;
      seed.push_back(static_cast<std::byte>(loaded->layout->models.line_table));
      int32_t firstlineno = info->firstlineno, offset = 2 * n;
      auto* p = reinterpret_cast<const std::byte*>(&firstlineno);
      seed.insert(seed.end(), p, p + 4);
      p = reinterpret_cast<const std::byte*>(&offset);
      seed.insert(seed.end(), p, p + 4);
      p = reinterpret_cast<const std::byte*>(table->data.data());
      seed.insert(seed.end(), p, p + table->data.size());
      write(out / "linetable" / (tag + "-" + std::to_string(n++)), seed);
      if (n == 8) break;
    }

    snapshot.regions = pointer_closure(loaded->memory, snapshot.objects);
    size_t snapshot_objects = snapshot.objects.size();
    write(out / "repr" / tag, fuzz::encode_snapshot(snapshot));

    snapshot.objects.clear();
    snapshot.regions = heap_regions(*loaded);
    write(out / "heap" / tag, fuzz::encode_snapshot(snapshot));
    ++written;
    std::printf("make_seeds: %s: %d line tables, %zu objects\n", tag.c_str(), n, snapshot_objects);
  }
  return written > 0 ? 0 : 1;
}
