#include "stdlib/fleet/inventory.h"

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "stdlib/fleet/server_ref.h"

namespace dandori::fleet {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / "fleet_inventory_test";
  std::filesystem::create_directories(dir);
  std::string path = (dir / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("inventory: YAML with defaults and placeholders") {
  std::string path = Write("a.yaml", R"(
defaults:
  admin: "http://{host}:8080/admin"
  metrics: "http://{host}:9100/metrics"
  registry: "http://registry/zones/{zone}"
  restart_argv: ["ssh", "{host}", "restart", "{id}"]
zones:
  - name: east
    servers:
      - {id: e1, host: cam-e1.example}
      - {id: e2, admin: "http://10.0.0.2/admin"}
  - name: west
    defaults: {registry: "http://west-registry"}
    servers:
      - id: w1
)");
  auto inv = LoadInventory(path);
  REQUIRE(inv.ok());
  CHECK(inv->Get("servers").as_int() == 3);
  const auto& zones = inv->Get("zones").list();
  REQUIRE(zones.size() == 2);
  Value e1 = zones[0].Get("servers").list()[0];
  CHECK(e1.Get("admin").as_string() == "http://cam-e1.example:8080/admin");
  CHECK(e1.Get("zone").as_string() == "east");
  CHECK(e1.Get("registry").as_string() == "http://registry/zones/east");
  CHECK(e1.Get("restart_argv").list()[1].as_string() == "cam-e1.example");
  CHECK(zones[0].Get("servers").list()[1].Get("admin").as_string() == "http://10.0.0.2/admin");
  CHECK(zones[1].Get("servers").list()[0].Get("registry").as_string() == "http://west-registry");
}

TEST_CASE("inventory: JSON and zone maps") {
  std::string path = Write("b.json", R"({"zones": {"z1": [{"id": "a", "admin": "http://h/a",
    "metrics": "http://h/m", "registry": "http://h/r"}]}})");
  auto inv = LoadInventory(path);
  REQUIRE(inv.ok());
  CHECK(inv->Get("zones").list()[0].Get("name").as_string() == "z1");
  CHECK(inv->Get("zones").list()[0].Get("servers").list()[0].Find("restart_argv") == nullptr);
}

TEST_CASE("inventory: clear located errors") {
  auto err = [](const std::string& name, const std::string& text) {
    auto r = LoadInventory(Write(name, text));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kPermanent);
    return r.status().message();
  };
  CHECK(err("c.yaml", "zones: [").find("/c.yaml:1:") != std::string::npos);
  CHECK(err("d.yaml", "servers: []").find("no 'zones'") != std::string::npos);
  std::string m = err("e.yaml", "zones:\n  - name: z\n    servers:\n      - {admin: x}\n");
  CHECK(m.find("/e.yaml:4:") != std::string::npos);
  CHECK(m.find("has no id") != std::string::npos);
  m = err("f.yaml",
          "zones:\n  - name: z\n    servers:\n      - {id: a, admin: x, metrics: y, registry: r}\n"
          "      - {id: a, admin: x, metrics: y, registry: r}\n");
  CHECK(m.find("duplicate server id 'a'") != std::string::npos);
  CHECK(
      err("g.yaml", "zones:\n  - name: z\n    servers:\n      - {id: a}\n").find("no admin URL") !=
      std::string::npos);
  // Ids, zones and hosts are data: anything that could become an option or break a URL
  // is refused at the line that holds it.
  const std::string urls = "admin: x, metrics: y, registry: r";
  m = err("h.yaml",
          "zones:\n  - name: z\n    servers:\n      - {id: -oProxyCommand=x, " + urls + "}\n");
  CHECK(m.find("/h.yaml:4:") != std::string::npos);
  CHECK(m.find("server id '-oProxyCommand%3Dx' must start with a letter or digit") !=
        std::string::npos);
  m = err("i.yaml", "zones:\n  - name: z\n    servers:\n      - {id: a/b, " + urls + "}\n");
  CHECK(m.find("server id 'a%2Fb' may only hold") != std::string::npos);
  m = err("j.yaml",
          "zones:\n  - name: z\n    servers:\n      - {id: a, host: \"-x\", " + urls + "}\n");
  CHECK(m.find("/j.yaml:4:") != std::string::npos);
  CHECK(m.find("host '-x' must start with a letter or digit") != std::string::npos);
  m = err("k.yaml", "zones:\n  - name: \"z 1\"\n    servers:\n      - {id: a, " + urls + "}\n");
  CHECK(m.find("zone name 'z%201' may only hold") != std::string::npos);
  auto device = LoadInventory("/dev/zero");
  CHECK(device.status().message() ==
        "/dev/zero: is a character device; only regular files are read");
  auto missing = LoadInventory("/nonexistent/inv.yaml");
  CHECK(missing.status().message() == "/nonexistent/inv.yaml: no such inventory file");
}

TEST_CASE("argv templates take values as data, never as options") {
  auto ok = SubstituteArgv({"scp", "{src}", "{host}:/srv/{id}"},
                           {{"src", "/a/b.bin"}, {"host", "cam1"}, {"id", "s1"}});
  REQUIRE(ok.ok());
  CHECK(*ok == std::vector<std::string>{"scp", "/a/b.bin", "cam1:/srv/s1"});
  auto opt = SubstituteArgv({"ssh", "{host}", "restart"}, {{"host", "-oProxyCommand=evil"}});
  REQUIRE_FALSE(opt.ok());
  CHECK(opt.status().message().find("{host} would be '-oProxyCommand=evil'") != std::string::npos);
  auto ctl = SubstituteArgv({"ssh", "{id}"}, {{"id", "a\nb"}});
  REQUIRE_FALSE(ctl.ok());
  CHECK(ctl.status().message().find("control character") != std::string::npos);
  // A value no template uses is not checked.
  CHECK(SubstituteArgv({"true"}, {{"id", "-x"}}).ok());
  CHECK(SubstituteUrl("http://{host}:8080/servers/{id}", {{"host", "h1"}, {"id", "a b/c"}}) ==
        "http://h1:8080/servers/a%20b%2Fc");
}

}  // namespace
}  // namespace dandori::fleet
