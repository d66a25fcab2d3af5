// --param / --params-file: see params.h.
#include "cli/params.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "base/read_file.h"

namespace dandori::cli {
namespace {

using json = nlohmann::json;

// A plain (unquoted) YAML scalar becomes a JSON null, bool or number when it reads as
// one; quoted scalars and everything else stay strings ("2s", "10GB", "720p").
json YamlScalar(const YAML::Node& n) {
  const std::string& s = n.Scalar();
  if (n.Tag() == "!") return s;  // quoted
  if (s.empty() || s == "~" || s == "null") return nullptr;
  if (s == "true") return true;
  if (s == "false") return false;
  json num = json::parse(s, nullptr, /*allow_exceptions=*/false);
  if (num.is_number()) return num;
  return s;
}

Result<json> YamlToJson(const YAML::Node& n, const std::string& where) {
  switch (n.Type()) {
    case YAML::NodeType::Null:
      return json(nullptr);
    case YAML::NodeType::Scalar:
      return YamlScalar(n);
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const YAML::Node& item : n) {
        auto v = YamlToJson(item, where);
        if (!v.ok()) return v.status();
        out.push_back(std::move(*v));
      }
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : n) {
        std::string key = kv.first.as<std::string>();
        if (out.contains(key)) {
          return Status::Invalid(where + ":" + std::to_string(kv.first.Mark().line + 1) + ": '" +
                                 key + "' appears twice");
        }
        auto v = YamlToJson(kv.second, where);
        if (!v.ok()) return v.status();
        out[key] = std::move(*v);
      }
      return out;
    }
    default:
      return Status::Invalid(where + ": unsupported YAML node");
  }
}

Result<json> ParseYaml(const std::string& path, const std::string& text) {
  try {
    return YamlToJson(YAML::Load(text), path);
  } catch (const YAML::Exception& e) {
    return Status::Invalid(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                           std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

// "line:col" of byte `offset` in `text`.
std::string LineCol(const std::string& text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return std::to_string(line) + ":" + std::to_string(col);
}

Result<json> ParseJson(const std::string& path, const std::string& text) {
  std::set<std::string> top;
  std::string duplicate;
  // Duplicate top-level names are refused, as a repeated --param is.
  auto cb = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string() &&
        !top.insert(parsed.get<std::string>()).second && duplicate.empty()) {
      duplicate = parsed.get<std::string>();
    }
    return true;
  };
  try {
    json j = json::parse(text, cb);
    if (!duplicate.empty()) return Status::Invalid(path + ": '" + duplicate + "' appears twice");
    return j;
  } catch (const json::parse_error& e) {
    std::string msg = e.what();
    auto at = msg.find("; ");
    if (at != std::string::npos) msg = msg.substr(at + 2);
    return Status::Invalid(path + ":" + LineCol(text, e.byte == 0 ? 0 : e.byte - 1) + ": " + msg);
  }
}

Result<std::string> ParamText(const std::string& path, const std::string& name, const json& v) {
  if (v.is_null()) {
    return Status::Invalid(path + ": parameter " + name +
                           " is null (leave it out to use its default)");
  }
  if (v.is_string()) return v.get<std::string>();
  return v.dump();  // numbers, booleans; lists and records as JSON
}

}  // namespace

void AddParamOptions(CLI::App* sub, ParamArgs* args) {
  sub->add_option("-p,--param", args->params, "NAME=VALUE (repeatable, once per NAME)");
  sub->add_option("--params-file", args->params_file,
                  "YAML (.yaml, .yml) or JSON (.json) mapping of NAME: VALUE; --param wins");
}

Result<std::map<std::string, std::string>> ReadParamsFile(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  if (ext != ".yaml" && ext != ".yml" && ext != ".json") {
    return Status::Invalid("--params-file " + path + ": want a .yaml, .yml or .json file");
  }
  auto text = ReadUserFile(path, 1u << 20);
  if (!text.ok()) return Status(text.status().code(), "--params-file " + text.status().message());
  auto doc = ext == ".json" ? ParseJson(path, *text) : ParseYaml(path, *text);
  if (!doc.ok()) return doc.status();
  if (!doc->is_object()) {
    return Status::Invalid(path + ": want a mapping of parameter names to values");
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : doc->items()) {
    auto text = ParamText(path, name, value);
    if (!text.ok()) return text.status();
    out[name] = *text;
  }
  return out;
}

Result<std::map<std::string, std::string>> GatherParams(const ParamArgs& args) {
  std::map<std::string, std::string> out;
  if (!args.params_file.empty()) {
    auto file = ReadParamsFile(args.params_file);
    if (!file.ok()) return file.status();
    out = std::move(*file);
  }
  std::set<std::string> seen;
  for (const std::string& kv : args.params) {
    auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::Invalid("--param wants NAME=VALUE, got '" + kv + "'");
    }
    std::string name = kv.substr(0, eq);
    if (!seen.insert(name).second) {
      return Status::Invalid("--param " + name + " given twice (pass each parameter once)");
    }
    out[name] = kv.substr(eq + 1);
  }
  return out;
}

}  // namespace dandori::cli
