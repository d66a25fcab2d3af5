// The web view's routes: the static pages (public: they hold no data, and every call
// they make carries the bearer token) and the reads the job page needs beyond the
// job and its events: the workflow graph with tasks per state, and the task list.
#include <algorithm>

#include "server/http_api_impl.h"
#include "server/web/assets.h"
#include "server/web/view_data.h"

namespace dandori::server {

using namespace engine;  // NOLINT: the engine's vocabulary

using namespace api_detail;  // NOLINT: the handlers' small vocabulary

namespace {

// Pages are served as they are; the browser must not guess types or frame them, and
// they load only from this origin.
void SendAsset(const web::Asset& a, http::Response& res) {
  res.SetContent(std::string(a.body), std::string(a.type));
  res.SetHeader("X-Content-Type-Options", "nosniff");
  res.SetHeader("X-Frame-Options", "DENY");
  res.SetHeader("Referrer-Policy", "no-referrer");
  res.SetHeader("Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  res.SetHeader("Cache-Control", "no-cache");
}

}  // namespace

Result<std::vector<JobInfo>> api_detail::ListJobsPage(Store& store, int state,
                                                      const std::string& workflow, int64_t before,
                                                      int limit) {
  if (auto* pg = dynamic_cast<PgStore*>(&store)) {
    return pg->ListJobsPage(state, workflow, before, limit);
  }
  auto all = store.ListJobs(1 << 20);  // the embedded store: one user's jobs
  if (!all.ok()) return all.status();
  std::vector<JobInfo> out;
  for (auto& j : *all) {
    if (static_cast<int>(out.size()) == limit) break;
    if (state >= 0 && static_cast<int>(j.state) != state) continue;
    if (!workflow.empty() && j.workflow != workflow) continue;
    if (before > 0 && j.id >= before) continue;
    out.push_back(std::move(j));
  }
  return out;
}

void ApiServer::Impl::ViewRoutes() {
  auto page = [](const http::Request& req, http::Response& res) {
    // "/" and "/ui/NAME": NAME is only a key of the embedded table (server/web/assets.h).
    std::string name = req.path == "/" ? "index.html" : req.matches[1];
    const web::Asset* a = web::FindAsset(name);
    if (!a) return SendError(res, 404, "not_found", "no such page");
    SendAsset(*a, res);
  };
  server->Route("GET", "/", page, http::Run::kInline);
  server->Route("GET", R"(/ui/([A-Za-z0-9_.-]+))", page, http::Run::kInline);
}

void ApiServer::Impl::Graph(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  auto job = store.GetJob(*id);
  if (!job.ok()) return SendStatus(res, job.status());
  auto tasks = store.LoadTasks(*id);
  if (!tasks.ok()) return SendStatus(res, tasks.status());
  auto g = web::JobGraphOf(job->table, *tasks);
  if (!g.ok()) return SendStatus(res, g.status());
  SendJson(res, 200, *g);
}

void ApiServer::Impl::Tasks(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  Store& store = *(*lease)->store;
  if (auto job = store.GetJob(*id); !job.ok()) return SendStatus(res, job.status());
  auto tasks = store.LoadTasks(*id);
  if (!tasks.ok()) return SendStatus(res, tasks.status());
  std::sort(tasks->begin(), tasks->end(),
            [](const TaskRow& a, const TaskRow& b) { return a.key < b.key; });
  v1::ListTasksResponse out;
  for (const TaskRow& t : *tasks) *out.add_tasks() = web::TaskSummaryOf(t);
  SendJson(res, 200, out);
}

void ApiServer::Impl::Table(const http::Request& req, http::Response& res) {
  auto id = JobId(req.matches[1]);
  if (!id.ok()) return SendStatus(res, id.status());
  auto lease = Borrow();
  if (!lease.ok()) return SendStatus(res, lease.status());
  auto job = (*lease)->store->GetJob(*id);
  if (!job.ok()) return SendStatus(res, job.status());
  res.SetContent(job->table, "application/octet-stream");
}

}  // namespace dandori::server
