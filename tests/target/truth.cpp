#include "truth.hpp"

#include "manifest.hpp"

namespace pycore::target::testing {

Truth read_truth(const std::string& path) {
  Truth truth;
  auto j = test::read_json(path);
  if (!j.is_object()) return truth;
  if (auto it = j.find("crashed_tid"); it != j.end() && it->is_number_integer()) {
    truth.crashed_tid = it->get<int>();
  }
  if (auto it = j.find("signal"); it != j.end() && it->is_number_integer()) {
    truth.signal = it->get<int>();
  }
  for (const auto& t : j.value("threads", nlohmann::json::array())) {
    if (t.is_object() && t.contains("tid") && t["tid"].is_number_integer()) {
      truth.tids.push_back(t["tid"].get<int>());
    }
  }
  return truth;
}

}  // namespace pycore::target::testing
