#include "corpus.hpp"

#include <fstream>
#include <nlohmann/json.hpp>

namespace pycore::target::testing {
namespace {

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<nlohmann::json> parse(const std::string& path, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    if (error) *error = path + ": cannot open";
    return std::nullopt;
  }
  auto j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded()) {
    if (error) *error = path + ": not JSON";
    return std::nullopt;
  }
  return j;
}

}  // namespace

const CorpusInterpreter* Corpus::interpreter(const std::string& id) const {
  for (const auto& i : interpreters) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::optional<Corpus> read_corpus(const std::string& dir, std::string* error) {
  auto j = parse(dir + "/manifest.json", error);
  if (!j) return std::nullopt;
  Corpus corpus;
  for (const auto& i : j->value("interpreters", nlohmann::json::array())) {
    corpus.interpreters.push_back({text(i, "id"), text(i, "executable"), text(i, "version")});
  }
  for (const auto& e : j->value("entries", nlohmann::json::array())) {
    corpus.entries.push_back({text(e, "interpreter"), text(e, "scenario"), text(e, "status"),
                              text(e, "reason"), text(e, "core"), text(e, "truth"),
                              text(e, "method")});
  }
  return corpus;
}

Truth read_truth(const std::string& path) {
  Truth truth;
  auto j = parse(path, nullptr);
  if (!j || !j->is_object()) return truth;
  if (auto it = j->find("crashed_tid"); it != j->end() && it->is_number_integer()) {
    truth.crashed_tid = it->get<int>();
  }
  if (auto it = j->find("signal"); it != j->end() && it->is_number_integer()) {
    truth.signal = it->get<int>();
  }
  for (const auto& t : j->value("threads", nlohmann::json::array())) {
    if (t.is_object() && t.contains("tid") && t["tid"].is_number_integer()) {
      truth.tids.push_back(t["tid"].get<int>());
    }
  }
  return truth;
}

}  // namespace pycore::target::testing
