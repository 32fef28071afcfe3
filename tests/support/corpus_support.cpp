#include "corpus_support.hpp"

#include <cstdlib>
#include <fstream>

namespace pycore::test {

std::unique_ptr<LoadedCore> load_core(const std::string& core_path, const std::string& executable,
                                      size_t max_native_frames) {
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
  out->native = target::unwind_all_threads(*out->core, *out->modules, max_native_frames);
  layout::LayoutOptions lopts;
  lopts.cache_dir.assign(1, '-');  // "no cache"; not = "-": GCC 12 -Wrestrict false positive
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
    if (e.contains("core") && e["core"].is_string()) c.core = e["core"];
    if (e.contains("truth") && e["truth"].is_string()) c.truth_path = e["truth"];
    const auto& i = interps[c.interpreter];
    if (i.is_object()) {
      c.executable = i.value("executable", "");
      c.version = i.value("version", "");
      c.debug = i.value("debug", false);
    }
    out.push_back(std::move(c));
  }
  return out;
}

std::string basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace pycore::test
