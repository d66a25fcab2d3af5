// A running simulator: the Fleet model, its HTTP front on a loopback port, and a timer
// thread that keeps simulated time moving between requests. Used by the camfleet
// program and, in-process, by tests that want the real simulator over loopback.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "examples/camfleet/fleet_model.h"
#include "examples/camfleet/http_api.h"

namespace camfleet {

class Simulator {
 public:
  Simulator(const Config& config, const Faults& faults);
  ~Simulator();  // stops and joins

  // Binds 127.0.0.1:port (0: ephemeral) and starts serving; false if it cannot bind.
  bool Start(int port = 0);
  void Stop();  // any thread
  void Wait();  // blocks until Stop(); one waiting thread at a time

  int port() const { return port_; }
  std::string base_url() const;
  Fleet& fleet() { return *fleet_; }

  // Writes the inventory as YAML (.yaml/.yml) or JSON (anything else); atomic rename.
  // Returns an error message, empty on success.
  std::string WriteInventory(const std::string& path);
  std::string WriteReport(const std::string& path);

 private:
  std::unique_ptr<Fleet> fleet_;
  std::unique_ptr<HttpFront> front_;
  std::thread serve_thread_;
  std::thread tick_thread_;
  std::atomic<bool> stopping_{false};
  int port_ = -1;
};

// Writes `text` to `path` atomically (temp file + rename); an error message or "".
std::string WriteFileAtomic(const std::string& path, const std::string& text);

}  // namespace camfleet
