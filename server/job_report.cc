#include "server/job_report.h"

#include <algorithm>

#include "server/http_api_impl.h"
#include "server/web/report_page.h"
#include "server/web/view_data.h"

namespace dandori::server {

Result<std::string> RenderJobReport(engine::Store& store, int64_t job, int64_t now_ms) {
  auto st = engine::GetStatus(store, job);
  if (!st.ok()) return st.status();
  auto tasks = store.LoadTasks(job);
  if (!tasks.ok()) return tasks.status();
  std::sort(tasks->begin(), tasks->end(),
            [](const engine::TaskRow& a, const engine::TaskRow& b) { return a.key < b.key; });
  auto graph = web::JobGraphOf(st->job.table, *tasks);
  if (!graph.ok()) return graph.status();
  std::string data = "{\"job\": " + web::ApiJson(api_detail::JobOf(*st)) +
                     ", \"graph\": " + web::ApiJson(*graph) +
                     ", \"generatedMs\": " + std::to_string(now_ms) + ", \"tasks\": [";
  for (size_t i = 0; i < tasks->size(); ++i) {
    data += (i ? ", " : "") + web::ApiJson(web::TaskSummaryOf((*tasks)[i]));
  }
  data += "], \"events\": [";
  int64_t after = 0;
  bool first = true;
  for (;;) {
    auto page = engine::ListJobEvents(store, job, after, 1000);
    if (!page.ok()) return page.status();
    for (const engine::Event& e : *page) {
      data += (first ? "" : ", ") + web::ApiJson(api_detail::EventOf(e));
      first = false;
      after = e.seq;
    }
    if (page->size() < 1000) break;
  }
  data += "]}";
  return web::ReportHtml(
      "dandori report: job " + std::to_string(job) + " (" + st->job.workflow + ")", data);
}

}  // namespace dandori::server
