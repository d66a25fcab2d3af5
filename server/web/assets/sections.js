// The parts of a job's page that the live view and the report share: the summary,
// failures (with their .flow locations), the slowest attempts and the events.
import { h, section, badge } from "./dom.js";
import { fmtDuration, fmtTime, fmtDate, taskName, jobDuration, num } from "./format.js";

export function summary(job) {
  const c = job.taskCounts || {};
  const done = num(c.succeeded) + num(c.skipped);
  return h("dl", { class: "summary" },
    h("dt", {}, "state"), h("dd", {}, badge(job.state)),
    h("dt", {}, "workflow"), h("dd", {}, job.workflow),
    h("dt", {}, "started"), h("dd", {}, fmtDate(job.createdMs)),
    h("dt", {}, "duration"), h("dd", {}, fmtDuration(jobDuration(job))),
    h("dt", {}, "tasks"), h("dd", {}, `${done} done of ${num(job.taskTotal)}` +
      Object.entries(c).filter(([k]) => k !== "succeeded").map(([k, v]) => `, ${v} ${k}`).join("")),
    job.owner && job.state === "running" ? [h("dt", {}, "engine"), h("dd", {}, job.owner)] : null);
}

// The stage's place in the .flow source, from the graph.
function locOf(graph, stage) {
  const n = (graph?.nodes || []).find((x) => x.name === stage);
  return n?.loc || "";
}

export function failures(job, graph, tasks) {
  const labels = new Map((tasks || []).map((t) => [t.key, t.label]));
  const list = job.failedTasks || [];
  if (!list.length && !job.error) return null;
  return section("Failures", "failures",
    job.error ? h("p", { class: "job-error" }, job.error) : null,
    list.length ? h("table", { class: "grid" },
      h("thead", {}, h("tr", {}, h("th", {}, "task"), h("th", {}, "where"), h("th", {}, "attempts"), h("th", {}, "class"), h("th", {}, "error"))),
      h("tbody", {}, list.map((f) => h("tr", { class: "failure" },
        h("td", {}, taskName(f.label || labels.get(f.task), f.task, f.stage)),
        h("td", { class: "loc" }, locOf(graph, f.stage)),
        h("td", {}, String(f.attempts)),
        h("td", {}, f.errorClass),
        h("td", { class: "err" }, f.error))))) : null);
}

export function slowest(attempts, n = 10) {
  const list = [...attempts].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, n);
  if (!list.length) return null;
  const retried = new Map();
  for (const a of attempts) retried.set(a.task, (retried.get(a.task) || 0) + 1);
  return section("Slowest attempts", "slowest", h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, h("th", {}, "task"), h("th", {}, "attempt"), h("th", {}, "outcome"), h("th", {}, "duration"))),
    h("tbody", {}, list.map((a) => h("tr", {},
      h("td", {}, a.name), h("td", {}, `${a.attempt} of ${retried.get(a.task)}`),
      h("td", {}, badge(a.outcome)), h("td", { class: "num" }, fmtDuration(a.end - a.start)))))));
}

export function retries(attempts) {
  const by = new Map();
  for (const a of attempts) {
    if (!by.has(a.task)) by.set(a.task, []);
    by.get(a.task).push(a);
  }
  const list = [...by.values()].filter((l) => l.length > 1);
  if (!list.length) return null;
  return section(`Retried tasks (${list.length})`, "retries", h("table", { class: "grid" },
    h("tbody", {}, list.map((l) => h("tr", {}, h("td", {}, l[0].name),
      h("td", {}, l.map((a) => `#${a.attempt} ${a.outcome} ${fmtDuration(a.end - a.start)}`).join(" · ")))))));
}

export function eventsTable(events, tasks, t0, limit = 500) {
  const info = new Map((tasks || []).map((t) => [t.key, t]));
  const list = events.slice(-limit);
  return h("div", { class: "events-wrap" },
    events.length > limit ? h("p", { class: "muted" }, `the last ${limit} of ${events.length} events`) : null,
    h("table", { class: "grid events" },
      h("thead", {}, h("tr", {}, h("th", {}, "time"), h("th", {}, "+ms"), h("th", {}, "event"), h("th", {}, "task"), h("th", {}, "attempt"), h("th", {}, "detail"))),
      h("tbody", {}, list.map((e) => {
        const t = info.get(e.task);
        return h("tr", { class: `ev ev-${(e.what || "").replace(/\./g, "-")}` },
          h("td", { class: "num" }, fmtTime(e.atMs)),
          h("td", { class: "num" }, String(Number(e.atMs) - t0)),
          h("td", {}, e.what),
          h("td", {}, e.task ? taskName(e.label || t?.label, e.task, t?.stage) : ""),
          h("td", { class: "num" }, e.attempt ? String(e.attempt) : ""),
          h("td", { class: "detail" }, e.detail || ""));
      }))));
}

// Per branch (outermost loop item): tasks, attempts, retries, when it started (from the
// first attempt) and how long it took, from its attempts.
export function branchTable(attempts, branchOf) {
  const by = new Map();
  for (const a of attempts) {
    const b = branchOf(a.task, a.label);
    if (!by.has(b.order)) by.set(b.order, { label: b.label || "(outside loops)", tasks: new Set(), n: 0, start: a.start, end: a.end });
    const r = by.get(b.order);
    r.tasks.add(a.task);
    r.n++;
    r.start = Math.min(r.start, a.start);
    r.end = Math.max(r.end, a.end);
  }
  if (by.size < 2) return null;
  const t0 = Math.min(...attempts.map((a) => a.start));
  const rows = [...by.entries()].sort(([x], [y]) => (x < y ? -1 : 1)).map(([, r]) => r);
  return section("Branches", "branch-table", h("table", { class: "grid" },
    h("thead", {}, h("tr", {}, ["branch", "tasks", "attempts", "retries", "started", "duration"].map((t) => h("th", {}, t)))),
    h("tbody", {}, rows.map((r) => h("tr", { class: "branch-row" },
      h("td", {}, r.label), h("td", { class: "num" }, String(r.tasks.size)), h("td", { class: "num" }, String(r.n)),
      h("td", { class: "num" }, String(r.n - r.tasks.size)), h("td", { class: "num" }, "+" + fmtDuration(r.start - t0)),
      h("td", { class: "num" }, fmtDuration(r.end - r.start)))))));
}
