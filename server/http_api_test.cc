// The HTTP API over real HTTP against a real PostgreSQL: auth, malformed requests,
// submit (idempotent), get, list with paging, events, cancel, metrics, and a job that
// engines and an executor run to completion while a client watches it.
#include "server/http_api.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "compiler/compile.h"
#include "engine/pg/pg_store.h"
#include "engine/pg/pg_test_server.h"
#include "server/dispatch.h"
#include "server/job_drivers.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary (Store, JobInfo, Scheduler, ...)
namespace {

using engine::testing::FreshDatabase;
using json = nlohmann::json;

const char* kFlow =
    "workflow w(n: int = 20) {\n"
    "  foreach i in range(n) parallel 8 {\n"
    "    stage t = noop(value: i)\n"
    "  }\n"
    "}\n";

struct Fixture {
  std::string url = FreshDatabase();
  OperatorRegistry reg;
  std::unique_ptr<ApiServer> api;
  std::unique_ptr<httplib::Client> http;
  httplib::Headers auth = {{"Authorization", "Bearer s3cret-token"}};

  Fixture() {
    REQUIRE(OpenPgStore(url).ok());  // migrate
    reg.Register("noop", MakeOperator([](OperatorContext& ctx) -> Result<Value> {
                   return Value::MakeRecord({{"value", ctx.args.Get("value")}});
                 }));
    ApiOptions o;
    o.url = url;
    o.port = 0;
    o.token = "s3cret-token";
    o.max_body_bytes = 64 * 1024;
    o.registry = &reg;
    o.compile = compiler::CompileSubmitted;  // as `dandori serve` does
    api = std::make_unique<ApiServer>(o);
    REQUIRE(api->Start().ok());
    http = std::make_unique<httplib::Client>("127.0.0.1", api->port());
  }

  json Submit(const std::string& key, int n, int* status) {
    json body = {{"source", {{"path", "w.flow"}, {"text", kFlow}}},
                 {"params", {{"n", n}}},
                 {"idempotencyKey", key}};
    auto r = http->Post("/v1/jobs", auth, body.dump(), "application/json");
    REQUIRE(r);
    *status = r->status;
    return json::parse(r->body);
  }
};

void CheckError(const httplib::Result& r, int status, const std::string& code) {
  REQUIRE(r);
  CHECK(r->status == status);
  auto j = json::parse(r->body, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["httpStatus"] == status);
}

}  // namespace

TEST_CASE("API refuses missing and wrong tokens, and answers malformed requests with JSON") {
  Fixture f;
  auto health = f.http->Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CheckError(f.http->Get("/v1/jobs"), 401, "unauthenticated");
  CheckError(f.http->Get("/v1/jobs", {{"Authorization", "Bearer s3cret-tokem"}}), 401,
             "unauthenticated");
  CheckError(f.http->Get("/v1/jobs", {{"Authorization", "Bearer "}}), 401, "unauthenticated");
  CheckError(f.http->Get("/metrics", {{"Authorization", "s3cret-token"}}), 401, "unauthenticated");
  CheckError(f.http->Post("/v1/jobs", f.auth, "{not json", "application/json"), 400,
             "invalid_argument");
  CheckError(f.http->Post("/v1/jobs", f.auth, "{\"bogus\": 1}", "application/json"), 400,
             "invalid_argument");
  CheckError(f.http->Post("/v1/jobs", f.auth, "{}", "application/json"), 400, "invalid_argument");
  CheckError(f.http->Post("/v1/jobs", f.auth, json({{"source", {{"text", "workflow ("}}}}).dump(),
                          "application/json"),
             400, "invalid_argument");
  CheckError(f.http->Post("/v1/jobs", f.auth,
                          json({{"source", {{"text", kFlow}}}, {"params", {{"nope", 1}}}}).dump(),
                          "application/json"),
             400, "invalid_argument");
  CheckError(f.http->Post("/v1/jobs", f.auth, std::string(100 * 1024, '{'), "application/json"),
             413, "payload_too_large");
  CheckError(f.http->Get("/v1/jobs/abc", f.auth), 400, "invalid_argument");
  CheckError(f.http->Get("/v1/jobs/99999", f.auth), 404, "not_found");
  CheckError(f.http->Get("/v1/jobs?pageSize=0", f.auth), 400, "invalid_argument");
  CheckError(f.http->Get("/v1/jobs?state=sleeping", f.auth), 400, "invalid_argument");
  CheckError(f.http->Get("/v1/nothing", f.auth), 404, "not_found");
  CheckError(f.http->Post("/v1/jobs/1/explode", f.auth, "", "application/json"), 404, "not_found");
}

TEST_CASE("submitted source resolves imports only among the files sent, never on disk") {
  Fixture f;
  auto submit = [&](const json& source) {
    return f.http->Post("/v1/jobs", f.auth, json({{"source", source}}).dump(), "application/json");
  };
  const std::string main =
      "import \"lib/n.flow\"\n\nworkflow w() {\n  stage a = noop(value: n)\n}\n";
  auto ok = submit({{"path", "flows/w.flow"},
                    {"text", main},
                    {"imports", {{{"path", "flows/lib/n.flow"}, {"text", "const n = 3\n"}}}}});
  REQUIRE(ok);
  CHECK(ok->status == 201);
  // A server file, by absolute path or by escaping upwards, is never read or quoted:
  // the answer is the same whether or not the file exists.
  for (const std::string& target : {std::string("/etc/passwd"), std::string("../../../etc/passwd"),
                                    std::string("/no/such/file.flow")}) {
    auto r =
        submit({{"path", "w.flow"},
                {"text", "import \"" + target + "\"\nworkflow w() {\n  stage a = noop()\n}\n"}});
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 400);
    CHECK(r->body.find("root:") == std::string::npos);
    CHECK(r->body.find("is not among the files submitted") != std::string::npos);
    CHECK(r->body.find("no such file") == std::string::npos);
  }
}

TEST_CASE("API submits idempotently, lists with paging, shows events, cancels, scrapes") {
  Fixture f;
  int status = 0;
  json a = f.Submit("key-1", 5, &status);
  CHECK(status == 201);
  CHECK(a["created"] == true);
  std::string id = a["job"]["id"];
  CHECK(a["job"]["state"] == "running");
  CHECK(a["job"]["params"]["n"] == 5);
  json again = f.Submit("key-1", 5, &status);
  CHECK(status == 200);
  CHECK(again["created"] == false);
  CHECK(again["job"]["id"] == id);
  f.Submit("key-2", 3, &status);
  f.Submit("key-3", 3, &status);

  auto page1 = f.http->Get("/v1/jobs?pageSize=2", f.auth);
  REQUIRE(page1);
  REQUIRE(page1->status == 200);
  json p1 = json::parse(page1->body);
  CHECK(p1["jobs"].size() == 2);
  std::string token = p1["nextPageToken"];
  auto page2 = f.http->Get("/v1/jobs?pageSize=2&pageToken=" + token, f.auth);
  json p2 = json::parse(page2->body);
  CHECK(p2["jobs"].size() == 1);
  CHECK(p2["jobs"][0]["id"] == id);

  auto ev = f.http->Get("/v1/jobs/" + id + "/events", f.auth);
  REQUIRE(ev);
  json e = json::parse(ev->body);
  REQUIRE(e["events"].size() >= 1);
  CHECK(e["events"][0]["what"] == "job.created");

  // The rules of engine/job_control.h: an unknown gate is 400, a running job cannot be
  // retried, a job no engine drives is cancelled at once, an ended one refuses approve
  // and cancel (409) and can be retried.
  CheckError(f.http->Post("/v1/jobs/" + id + "/approve", f.auth, "{\"gate\": \"nope\"}",
                          "application/json"),
             400, "invalid_argument");
  CheckError(f.http->Post("/v1/jobs/" + id + "/retry", f.auth, "", "application/json"), 409,
             "failed_precondition");
  auto cancel = f.http->Post("/v1/jobs/" + id + "/cancel", f.auth, "{\"who\": \"alice\"}",
                             "application/json");
  REQUIRE(cancel);
  CHECK(cancel->status == 200);
  CHECK(json::parse(cancel->body)["state"] == "cancelled");
  CheckError(f.http->Post("/v1/jobs/" + id + "/cancel", f.auth, "", "application/json"), 409,
             "failed_precondition");
  CheckError(
      f.http->Post("/v1/jobs/" + id + "/approve", f.auth, "{\"gate\": \"go\"}", "application/json"),
      409, "failed_precondition");
  auto retry = f.http->Post("/v1/jobs/" + id + "/retry", f.auth, "", "application/json");
  REQUIRE(retry);
  CHECK(retry->status == 200);
  CHECK(json::parse(retry->body)["state"] == "running");

  auto m = f.http->Get("/metrics", f.auth);
  REQUIRE(m);
  CHECK(m->status == 200);
  CHECK(m->body.find("dandori_jobs{state=\"running\"} 3") != std::string::npos);
  CHECK(m->body.find("# TYPE dandori_queue_depth gauge") != std::string::npos);
}

TEST_CASE("a job submitted over HTTP runs on engines and executors and is watched to the end") {
  Fixture f;
  JobDriversOptions eo;
  eo.url = f.url;
  eo.owner = "engine-a";
  eo.registry = &f.reg;
  eo.trivial_ops = {};
  eo.poll_ms = 100;
  JobDrivers engine(eo);
  REQUIRE(engine.Start().ok());
  DispatchWorkerOptions wo;
  wo.url = f.url;
  wo.name = "exec-a";
  wo.registry = &f.reg;
  DispatchWorker worker(wo);
  REQUIRE(worker.Start().ok());

  int status = 0;
  json a = f.Submit("", 40, &status);
  REQUIRE(status == 201);
  std::string id = a["job"]["id"];
  std::string state;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  json job;
  while (std::chrono::steady_clock::now() < until) {
    auto r = f.http->Get("/v1/jobs/" + id, f.auth);
    REQUIRE(r);
    job = json::parse(r->body);
    state = job["state"];
    if (state != "running") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(state == "succeeded");
  CHECK(job["taskCounts"]["succeeded"].get<std::string>() == "40");
  worker.Stop(1000);
  engine.Stop();
}

namespace dandori::server {

TEST_CASE("hostile bodies: NUL, deep params and curl's form content type") {
  Fixture f;
  auto t0 = std::chrono::steady_clock::now();
  std::string nul_key = R"({"source": {"text": "workflow w() {}"}, "idempotencyKey": "a\u0000b"})";
  auto r = f.http->Post("/v1/jobs", f.auth, nul_key, "application/json");
  CheckError(r, 400, "invalid_argument");
  CHECK(r->body.find("NUL") != std::string::npos);
  CHECK(r->body.find("postgres") == std::string::npos);
  r = f.http->Post("/v1/jobs/1/approve", f.auth, R"({"gate": "g\u0000"})", "application/json");
  CheckError(r, 400, "invalid_argument");
  std::string deep = std::string(30000, '[') + std::string(30000, ']');
  r = f.http->Post("/v1/jobs", f.auth, R"({"params": {"x": )" + deep + "}}", "application/json");
  CheckError(r, 400, "invalid_argument");
  CHECK(r->body.find("deeper than 64") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  // curl -d sends application/x-www-form-urlencoded; the body is JSON all the same, and
  // may be as large as the API's own cap (not a form limit of 8 KiB).
  std::string text = std::string(kFlow) + "// " + std::string(12000, 'x') + "\n";
  json body = {{"source", {{"path", "w.flow"}, {"text", text}}}, {"idempotencyKey", "form"}};
  r = f.http->Post("/v1/jobs", f.auth, body.dump(), "application/x-www-form-urlencoded");
  REQUIRE(r);
  CHECK(r->status == 201);
}

}  // namespace dandori::server

namespace dandori::server {

TEST_CASE("1,000 idle connections (no token) do not delay an authenticated client") {
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = std::max<rlim_t>(lim.rlim_cur, std::min<rlim_t>(lim.rlim_max, 4096));
  setrlimit(RLIMIT_NOFILE, &lim);
  int n = static_cast<int>(std::min<rlim_t>(1000, lim.rlim_cur - 100));
  if (n < 1000) WARN("RLIMIT_NOFILE hard limit allows only " << n << " idle connections");
  Fixture f;
  std::vector<int> idle;
  for (int i = 0; i < n; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(f.api->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    if (i % 2) (void)::send(fd, "GET /v1/jobs HTTP/1.1\r\nHost: x\r\n", 33, MSG_NOSIGNAL);
    idle.push_back(fd);
  }
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto r = f.http->Get("/v1/jobs", f.auth);
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
  for (int fd : idle) ::close(fd);
}

}  // namespace dandori::server

TEST_CASE("the web view: public pages without data, the graph and tasks behind the token") {
  Fixture f;
  auto index = f.http->Get("/");
  REQUIRE(index);
  CHECK(index->status == 200);
  CHECK(index->get_header_value("Content-Type").rfind("text/html", 0) == 0);
  CHECK(index->body.find("/ui/app.js") != std::string::npos);
  CHECK(index->get_header_value("Content-Security-Policy").find("default-src 'self'") !=
        std::string::npos);
  auto js = f.http->Get("/ui/app.js");
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->get_header_value("Content-Type").rfind("text/javascript", 0) == 0);
  CheckError(f.http->Get("/ui/nothing.js"), 404, "not_found");
  CheckError(f.http->Get("/ui/../../etc/passwd"), 404, "not_found");
  CheckError(f.http->Get("/ui/..%2f..%2fetc%2fpasswd"), 404, "not_found");

  int status = 0;
  json a = f.Submit("", 3, &status);
  REQUIRE(status == 201);
  std::string id = a["job"]["id"];
  CheckError(f.http->Get("/v1/jobs/" + id + "/graph"), 401, "unauthenticated");
  CheckError(f.http->Get("/v1/jobs/" + id + "/tasks"), 401, "unauthenticated");
  CheckError(f.http->Get("/v1/jobs/99999/graph", f.auth), 404, "not_found");
  auto g = f.http->Get("/v1/jobs/" + id + "/graph", f.auth);
  REQUIRE(g);
  REQUIRE(g->status == 200);
  json graph = json::parse(g->body);
  CHECK(graph["workflow"] == "w");
  bool has_loop = false, has_task = false;
  for (const auto& n : graph["nodes"]) {
    if (n["kind"] == "begin" && n["blockKind"] == "foreach") has_loop = n["blockVar"] == "i";
    if (n["kind"] == "task" && n["name"] == "t") {
      INFO(n.dump());
      has_task = n["loc"].get<std::string>().rfind("w.flow:3:", 0) == 0;
      CHECK(has_task);
    }
  }
  CHECK(has_loop);
  CHECK(has_task);
  CHECK(graph["edges"].size() > 3);
  auto t = f.http->Get("/v1/jobs/" + id + "/tasks", f.auth);
  REQUIRE(t);
  CHECK(t->status == 200);
  CHECK(json::parse(t->body)["tasks"].is_array());
}

}  // namespace dandori::server
