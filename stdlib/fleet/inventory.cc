#include "stdlib/fleet/inventory.h"

#include <filesystem>
#include <map>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "base/read_file.h"
#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

constexpr size_t kMaxServers = 100000;
const char* kUrlKeys[] = {"admin", "metrics", "registry"};
const char* kArgvKeys[] = {"restart_argv", "distribute_argv"};

struct Defaults {
  std::map<std::string, std::string> urls;
  std::map<std::string, std::vector<std::string>> argvs;
};

class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}

  Status Error(const YAML::Node& at, const std::string& message) const {
    const YAML::Mark m = at.Mark();
    if (m.line < 0) return Status::Permanent(fmt::format("{}: {}", path_, message));
    return Status::Permanent(fmt::format("{}:{}:{}: {}", path_, m.line + 1, m.column + 1, message));
  }

  Result<Defaults> ReadDefaults(const YAML::Node& node, Defaults base) const {
    if (!node) return base;
    if (!node.IsMap()) return Error(node, "'defaults' must be a mapping");
    for (const char* key : kUrlKeys) {
      if (node[key]) base.urls[key] = node[key].as<std::string>();
    }
    for (const char* key : kArgvKeys) {
      if (!node[key]) continue;
      if (!node[key].IsSequence()) return Error(node[key], fmt::format("'{}' must be a list", key));
      base.argvs[key] = node[key].as<std::vector<std::string>>();
    }
    return base;
  }

  Result<Value> ReadServer(const YAML::Node& n, const std::string& zone, const Defaults& d,
                           size_t index) {
    if (!n.IsMap())
      return Error(n, fmt::format("server {} of zone {} must be a mapping", index + 1, zone));
    if (!n["id"] || !n["id"].IsScalar() || n["id"].as<std::string>().empty()) {
      return Error(n, fmt::format("server {} of zone {} has no id", index + 1, zone));
    }
    std::string id = n["id"].as<std::string>();
    if (auto st = ValidateName("server id", id); !st.ok()) return Error(n["id"], st.message());
    if (!ids_.insert(id).second) return Error(n["id"], fmt::format("duplicate server id '{}'", id));
    std::string host = n["host"] ? n["host"].as<std::string>() : id;
    if (auto st = ValidateHost(host); !st.ok())
      return Error(n["host"] ? n["host"] : n, st.message());
    std::map<std::string, std::string> vars = {{"id", id}, {"zone", zone}, {"host", host}};
    Value::Record rec = {{"id", Value::String(id)}, {"zone", Value::String(zone)}};
    for (const char* key : kUrlKeys) {
      std::string url;
      if (n[key]) {
        url = n[key].as<std::string>();
      } else if (d.urls.count(key)) {
        url = d.urls.at(key);
      } else {
        return Error(n, fmt::format("server '{}' has no {} URL (and no default)", id, key));
      }
      rec.emplace_back(key, Value::String(SubstituteUrl(url, vars)));
    }
    for (const char* key : kArgvKeys) {
      std::vector<std::string> argv;
      if (n[key]) {
        if (!n[key].IsSequence()) return Error(n[key], fmt::format("'{}' must be a list", key));
        argv = n[key].as<std::vector<std::string>>();
      } else if (d.argvs.count(key)) {
        auto sub = SubstituteArgv(d.argvs.at(key), vars);
        if (!sub.ok()) return Error(n, fmt::format("server '{}': {}", id, sub.status().message()));
        argv = std::move(*sub);
      }
      if (argv.empty()) continue;
      Value::List items;
      for (auto& a : argv) items.push_back(Value::String(a));
      rec.emplace_back(key, Value::MakeList(std::move(items)));
    }
    return Value::MakeRecord(std::move(rec));
  }

  Result<Value> ReadZone(const std::string& name, const YAML::Node& servers, const Defaults& d) {
    if (!servers.IsSequence())
      return Error(servers, fmt::format("zone '{}': servers must be a list", name));
    Value::List list;
    for (size_t i = 0; i < servers.size(); ++i) {
      if (ids_.size() >= kMaxServers) return Error(servers[i], "too many servers (limit 100000)");
      auto s = ReadServer(servers[i], name, d, i);
      if (!s.ok()) return s.status();
      list.push_back(*s);
    }
    return Value::MakeRecord(
        {{"name", Value::String(name)}, {"servers", Value::MakeList(std::move(list))}});
  }

  Result<Value> Read(const YAML::Node& root) {
    if (!root.IsMap()) return Error(root, "an inventory must be a mapping with 'zones'");
    auto defaults = ReadDefaults(root["defaults"], Defaults{});
    if (!defaults.ok()) return defaults.status();
    YAML::Node zones = root["zones"];
    if (!zones) return Error(root, "no 'zones' in the inventory");
    Value::List out;
    std::set<std::string> names;
    auto add = [&](const std::string& name, const YAML::Node& at, const YAML::Node& servers,
                   const Defaults& d) -> Status {
      if (name.empty()) return Error(at, "a zone has no name");
      if (auto st = ValidateName("zone name", name); !st.ok()) return Error(at, st.message());
      if (!names.insert(name).second) return Error(at, fmt::format("duplicate zone '{}'", name));
      auto z = ReadZone(name, servers, d);
      if (!z.ok()) return z.status();
      out.push_back(*z);
      return Status::Ok();
    };
    if (zones.IsMap()) {
      for (auto it = zones.begin(); it != zones.end(); ++it) {
        DANDORI_RETURN_IF_ERROR(add(it->first.as<std::string>(), it->first, it->second, *defaults));
      }
    } else if (zones.IsSequence()) {
      for (const YAML::Node& z : zones) {
        if (!z.IsMap()) return Error(z, "each zone must be a mapping with name and servers");
        auto d = ReadDefaults(z["defaults"], *defaults);
        if (!d.ok()) return d.status();
        std::string name = z["name"] ? z["name"].as<std::string>() : "";
        if (!z["servers"]) return Error(z, fmt::format("zone '{}' has no servers", name));
        DANDORI_RETURN_IF_ERROR(add(name, z, z["servers"], *d));
      }
    } else {
      return Error(zones, "'zones' must be a list or a mapping");
    }
    if (out.empty()) return Error(zones, "the inventory has no zones");
    return Value::MakeRecord({{"zones", Value::MakeList(std::move(out))},
                              {"servers", Value::Int(static_cast<int64_t>(ids_.size()))}});
  }

 private:
  std::string path_;
  std::set<std::string> ids_;
};

}  // namespace

Result<Value> LoadInventory(const std::string& path) {
  // 100,000 servers with their URLs fit well inside 64 MiB.
  auto text = ReadUserFile(path, 64u << 20);
  if (!text.ok()) {
    if (text.status().code() == Code::kNotFound) {
      return Status::Permanent(fmt::format("{}: no such inventory file", path));
    }
    return Status::Permanent(text.status().message());
  }
  Reader reader(path);
  try {
    YAML::Node root = YAML::Load(*text);
    return reader.Read(root);
  } catch (const YAML::Exception& e) {
    if (e.mark.line >= 0) {
      return Status::Permanent(
          fmt::format("{}:{}:{}: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg));
    }
    return Status::Permanent(fmt::format("{}: {}", path, e.what()));
  }
}

}  // namespace dandori::fleet
