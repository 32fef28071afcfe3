#include "manifest.hpp"

#include <cstdlib>
#include <fstream>
#include <map>

namespace pycore::test {
namespace {

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::string corpus_dir() {
  if (const char* env = std::getenv("PYCORE_CORPUS_DIR")) return env;
  return PYCORE_CORPUS_DIR;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

std::optional<std::vector<CorpusEntry>> read_manifest(const std::string& dir) {
  auto manifest = read_json(dir + "/manifest.json");
  if (!manifest.is_object()) return std::nullopt;
  std::map<std::string, nlohmann::json> interps;
  for (const auto& i : manifest.value("interpreters", nlohmann::json::array()))
    if (i.is_object()) interps[text(i, "id")] = i;
  std::vector<CorpusEntry> out;
  for (const auto& e : manifest.value("entries", nlohmann::json::array())) {
    if (!e.is_object()) continue;
    CorpusEntry c;
    c.interpreter = text(e, "interpreter");
    c.scenario = text(e, "scenario");
    c.status = text(e, "status");
    c.reason = text(e, "reason");
    c.core = text(e, "core");
    c.truth_path = text(e, "truth");
    c.method = text(e, "method");
    if (auto it = interps.find(c.interpreter); it != interps.end()) {
      c.executable = text(it->second, "executable");
      c.version = text(it->second, "version");
      c.debug = it->second.value("debug", false);
    }
    out.push_back(std::move(c));
  }
  return out;
}

void load_truth(CorpusEntry& entry) {
  entry.truth = read_json(entry.truth_path);
}

std::string basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace pycore::test
