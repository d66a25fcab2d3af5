#include "examples/camfleet/faults.h"

#include <sstream>

namespace camfleet {
namespace {

std::string ParseCounted(const std::string& list, std::map<std::string, int>* out) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) continue;
    auto colon = item.rfind(':');
    if (colon == std::string::npos) return "expected ID:N, got '" + item + "'";
    try {
      (*out)[item.substr(0, colon)] = std::stoi(item.substr(colon + 1));
    } catch (...) {
      return "bad number in '" + item + "'";
    }
  }
  return "";
}

void ParseSet(const std::string& list, std::set<std::string>* out) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (!item.empty()) out->insert(item);
  }
}

}  // namespace

std::string Faults::AddFromFlag(const std::string& kind, const std::string& list) {
  if (kind == "unreachable") {
    ParseSet(list, &unreachable);
  } else if (kind == "broken") {
    ParseSet(list, &broken);
  } else if (kind == "flapping") {
    ParseSet(list, &flapping);
  } else if (kind == "late_deregister") {
    ParseSet(list, &late_deregister);
  } else if (kind == "stuck") {
    return ParseCounted(list, &stuck);
  } else if (kind == "slow_copy") {
    return ParseCounted(list, &slow_copy_ms);
  } else if (kind == "broken_restarts") {
    return ParseCounted(list, &broken_restarts);
  } else if (kind == "register_fails") {
    return ParseCounted(list, &register_fails);
  } else {
    return "unknown fault kind '" + kind + "'";
  }
  return "";
}

std::string Faults::AddFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return "faults must be a JSON object";
  try {
    if (j.contains("clear")) {
      for (const auto& k : j["clear"]) {
        std::string kind = k.get<std::string>();
        if (kind == "unreachable") unreachable.clear();
        if (kind == "broken") broken.clear();
        if (kind == "flapping") flapping.clear();
        if (kind == "stuck") stuck.clear();
        if (kind == "slow_copy") slow_copy_ms.clear();
        if (kind == "broken_restarts") broken_restarts.clear();
        if (kind == "register_fails") register_fails.clear();
        if (kind == "late_deregister") late_deregister.clear();
      }
    }
    for (const char* kind : {"unreachable", "broken", "flapping", "late_deregister"}) {
      if (!j.contains(kind)) continue;
      const std::string k = kind;
      auto& set = k == "unreachable" ? unreachable
                  : k == "broken"    ? broken
                  : k == "flapping"  ? flapping
                                     : late_deregister;
      for (const auto& id : j[kind]) set.insert(id.get<std::string>());
    }
    if (j.contains("stuck")) {
      for (auto& [id, n] : j["stuck"].items()) stuck[id] = n.get<int>();
    }
    if (j.contains("broken_restarts")) {
      for (auto& [id, n] : j["broken_restarts"].items()) broken_restarts[id] = n.get<int>();
    }
    if (j.contains("register_fails")) {
      for (auto& [id, n] : j["register_fails"].items()) register_fails[id] = n.get<int>();
    }
    if (j.contains("slow_copy")) {
      for (auto& [id, ms] : j["slow_copy"].items()) slow_copy_ms[id] = ms.get<int>();
    }
  } catch (const std::exception& e) {
    return std::string("bad faults JSON: ") + e.what();
  }
  return "";
}

nlohmann::json Faults::ToJson() const {
  return {{"unreachable", unreachable},
          {"stuck", stuck},
          {"broken", broken},
          {"broken_restarts", broken_restarts},
          {"flapping", flapping},
          {"slow_copy", slow_copy_ms},
          {"register_fails", register_fails},
          {"late_deregister", late_deregister}};
}

}  // namespace camfleet
