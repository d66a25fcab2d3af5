// `dandori report`'s page (bundled into one file with the modules it uses): renders the
// job's data embedded in the file, with no network.
import { h, section } from "./dom.js";
import { renderGraph } from "./graph.js";
import { computeBranches, renderBranches, branchOfKey } from "./branches.js";
import { attemptsOf, renderTimeline } from "./timeline.js";
import { summary, failures, slowest, retries, eventsTable, branchTable } from "./sections.js";
import { fmtDate } from "./format.js";

const data = JSON.parse(document.getElementById("report-data").textContent);
const { job, graph } = data;
const tasks = data.tasks || [], events = data.events || [];
const attempts = attemptsOf(events, tasks, Number(job.updatedMs));
document.getElementById("app").append(
  h("div", { class: "toolbar" }, h("h1", {}, `Report: job #${job.id} — ${job.workflow}`),
    h("span", { class: "muted" }, `generated ${fmtDate(data.generatedMs)}`)),
  section("Summary", "summary", summary(job)),
  failures(job, graph, tasks) || "",
  section("Timeline of attempts, by branch", "timeline", renderTimeline(attempts, { width: 1200, maxRows: 2000, branchOf: branchOfKey(graph) })),
  branchTable(attempts, branchOfKey(graph)) || "",
  section("Progress by branch", "branches", renderBranches(computeBranches(graph, tasks, events))),
  slowest(attempts, 15) || "",
  retries(attempts) || "",
  section("Workflow", "graph", h("div", { class: "graph-wrap" }, renderGraph(graph))),
  section("Events", "events", eventsTable(events, tasks, Number(job.createdMs), 5000)));
