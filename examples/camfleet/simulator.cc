#include "examples/camfleet/simulator.h"

#include <chrono>
#include <cstdio>
#include <fstream>

#include <fmt/format.h>

namespace camfleet {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string InventoryYaml(const nlohmann::json& inv) {
  std::string out = "# camfleet simulated fleet inventory\nzones:\n";
  for (const auto& zone : inv["zones"]) {
    out += fmt::format("  - name: {}\n    servers:\n", Quote(zone["name"]));
    for (const auto& s : zone["servers"]) {
      out += fmt::format("      - id: {}\n", Quote(s["id"]));
      for (const char* key : {"zone", "admin", "metrics", "registry"}) {
        out += fmt::format("        {}: {}\n", key, Quote(s[key]));
      }
    }
  }
  return out;
}

}  // namespace

std::string WriteFileAtomic(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return "cannot write " + tmp;
    f << text;
    if (!f.flush()) return "cannot write " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) return "cannot rename " + tmp + " to " + path;
  return "";
}

Simulator::Simulator(const Config& config, const Faults& faults)
    : fleet_(std::make_unique<Fleet>(config, faults)),
      front_(std::make_unique<HttpFront>(fleet_.get())) {}

Simulator::~Simulator() {
  Stop();
  Wait();
}

bool Simulator::Start(int port) {
  port_ = front_->Bind(port);
  if (port_ <= 0) return false;
  serve_thread_ = std::thread([this] { front_->Serve(); });
  tick_thread_ = std::thread([this] {
    while (!stopping_.load()) {
      fleet_->Tick();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  return true;
}

void Simulator::Stop() {
  stopping_.store(true);
  front_->Stop();
}

void Simulator::Wait() {
  if (serve_thread_.joinable()) serve_thread_.join();
  if (tick_thread_.joinable()) tick_thread_.join();
}

std::string Simulator::base_url() const { return fmt::format("http://127.0.0.1:{}", port_); }

std::string Simulator::WriteInventory(const std::string& path) {
  nlohmann::json inv = fleet_->Inventory(base_url());
  bool yaml = EndsWith(path, ".yaml") || EndsWith(path, ".yml");
  return WriteFileAtomic(path, yaml ? InventoryYaml(inv) : inv.dump(2) + "\n");
}

std::string Simulator::WriteReport(const std::string& path) {
  return WriteFileAtomic(path, fleet_->Report().dump(2) + "\n");
}

}  // namespace camfleet
