#include "support.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>

namespace pycore::test {

std::byte* FakeMemory::add(uint64_t start, size_t size) {
  auto b = std::make_unique<Block>();
  b->start = start;
  b->bytes.assign(size, std::byte{0});
  std::byte* p = b->bytes.data();
  blocks_.push_back(std::move(b));
  regions_.clear();
  return p;
}

void FakeMemory::put64(uint64_t address, uint64_t value) {
  for (auto& b : blocks_)
    if (address >= b->start && address + 8 <= b->start + b->bytes.size()) {
      std::memcpy(b->bytes.data() + (address - b->start), &value, 8);
      return;
    }
  throw std::out_of_range("put64 outside the fake memory");
}

void FakeMemory::put32(uint64_t address, uint32_t value) {
  for (auto& b : blocks_)
    if (address >= b->start && address + 4 <= b->start + b->bytes.size()) {
      std::memcpy(b->bytes.data() + (address - b->start), &value, 4);
      return;
    }
  throw std::out_of_range("put32 outside the fake memory");
}

const std::vector<target::Region>& FakeMemory::regions() {
  regions_.clear();
  for (auto& b : blocks_) {
    target::Region r;
    r.start = b->start;
    r.end = b->start + b->bytes.size();
    r.bytes = std::span<const std::byte>(b->bytes.data(), b->bytes.size());
    r.writable = true;
    regions_.push_back(r);
  }
  std::sort(regions_.begin(), regions_.end(),
            [](const target::Region& a, const target::Region& b) { return a.start < b.start; });
  return regions_;
}

std::unique_ptr<LoadedCore> load_core(const std::string& core_path, const std::string& executable) {
  auto out = std::make_unique<LoadedCore>();
  auto core = target::load_core(core_path);
  if (!core) {
    out->error = "load_core: " + core.error().message;
    return out;
  }
  out->core = std::move(core.value());
  target::ModuleOptions mopts;
  mopts.executable = executable;
  auto modules = target::Modules::load(*out->core, mopts);
  if (!modules) {
    out->error = "Modules::load: " + modules.error().message;
    return out;
  }
  out->modules.emplace(std::move(modules.value()));
  out->memory = target::AddressSpace::build(*out->core, *out->modules);
  layout::LayoutOptions lopts;
  lopts.cache_dir = "-";
  auto layout = layout::resolve_layout(out->memory, *out->modules, lopts);
  if (!layout) {
    out->error = "resolve_layout: " + layout.error().message;
    return out;
  }
  out->layout = std::move(layout.value());
  return out;
}

std::string corpus_dir() {
  if (const char* env = std::getenv("PYCORE_CORPUS_DIR")) return env;
  return PYCORE_CORPUS_DIR;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::optional<std::vector<CorpusEntry>> read_manifest(const std::string& dir) {
  auto manifest = read_json(dir + "/manifest.json");
  if (!manifest.is_object()) return std::nullopt;
  auto absolute = [&](const std::string& p) {
    return p.empty() || p[0] == '/' ? p : dir + "/" + p;
  };
  std::map<std::string, nlohmann::json> interps;
  for (const auto& i : manifest.value("interpreters", nlohmann::json::array()))
    interps[i.value("id", "")] = i;
  std::vector<CorpusEntry> out;
  for (const auto& e : manifest.value("entries", nlohmann::json::array())) {
    CorpusEntry c;
    c.interpreter = e.value("interpreter", "");
    c.scenario = e.value("scenario", "");
    c.status = e.value("status", "");
    if (e.contains("reason") && e["reason"].is_string()) c.reason = e["reason"];
    if (e.contains("core") && e["core"].is_string()) c.core = absolute(e["core"]);
    if (e.contains("truth") && e["truth"].is_string()) c.truth = absolute(e["truth"]);
    const auto& i = interps[c.interpreter];
    if (i.is_object()) {
      c.executable = i.value("executable", "");
      c.debug = i.value("debug", false);
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pycore::test
