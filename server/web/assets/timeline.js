// The attempts of a job's tasks, from its events (task.started ... task.succeeded /
// task.failed / task.retrying / ...), and their Gantt chart: a row per task, grouped
// by the branch (outermost loop item) it ran in, a bar per attempt, so retries show
// as several bars on one row.
import { svg, h } from "./dom.js";
import { fmtDuration, taskName } from "./format.js";

const ENDS = {
  "task.succeeded": "succeeded", "task.failed": "failed", "task.retrying": "retrying",
  "task.interrupted": "cancelled", "task.cancelled": "cancelled", "task.rescued": "lost",
};

// [{task, name, attempt, start, end, outcome}], open attempts end at `now` as running.
export function attemptsOf(events, tasks, now) {
  const info = new Map((tasks || []).map((t) => [t.key, t]));
  const open = new Map();
  const out = [];
  for (const e of events) {
    if (!e.task) continue;
    if (e.what === "task.started") {
      const t = info.get(e.task);
      const a = { task: e.task, label: e.label || t?.label, name: taskName(e.label || t?.label, e.task, t?.stage), attempt: e.attempt, start: Number(e.atMs), end: null, outcome: "running" };
      open.set(e.task, a);
      out.push(a);
    } else if (ENDS[e.what] && open.has(e.task)) {
      const a = open.get(e.task);
      a.end = Number(e.atMs);
      a.outcome = ENDS[e.what];
      a.detail = e.detail;
      open.delete(e.task);
    }
  }
  for (const a of out) if (a.end == null) a.end = now;
  return out;
}

export function renderTimeline(attempts, opts = {}) {
  if (!attempts.length) return h("p", { class: "muted" }, "No attempts yet.");
  const t0 = Math.min(...attempts.map((a) => a.start));
  const t1 = Math.max(...attempts.map((a) => a.end), t0 + 1);
  const rows = [];
  const rowOf = new Map();
  // opts.branchOf(key, label) -> {order, label}: rows grouped by branch, then by start.
  const branchOf = opts.branchOf || (() => ({ order: "", label: "" }));
  const br = new Map(attempts.map((a) => [a.task, branchOf(a.task, a.label)]));
  const sorted = [...attempts].sort((a, b) => {
    const x = br.get(a.task).order, y = br.get(b.task).order;
    return x < y ? -1 : x > y ? 1 : a.start - b.start;
  });
  for (const a of sorted) {
    if (!rowOf.has(a.task)) { rowOf.set(a.task, rows.length); rows.push({ task: a.task, name: a.name, branch: br.get(a.task) }); }
  }
  const maxRows = opts.maxRows || 400;
  const shown = rows.slice(0, maxRows);
  const LW = 260, RH = 14, W = Math.max(600, opts.width || 1000), TOP = 22;
  const x = (t) => LW + ((t - t0) / (t1 - t0)) * (W - LW - 10);
  const height = TOP + shown.length * RH + 10;
  const root = svg("svg", { class: "timeline", width: W, height, viewBox: `0 0 ${W} ${height}` });
  for (let k = 0; k <= 5; k++) {
    const t = t0 + ((t1 - t0) * k) / 5;
    root.append(svg("line", { x1: x(t), x2: x(t), y1: TOP - 4, y2: height, class: "tick" }),
      svg("text", { x: x(t), y: 12, class: "tick-label" }, "+" + fmtDuration(t - t0)));
  }
  let lastBranch = null;
  shown.forEach((r, i) => {
    const y = TOP + i * RH;
    if (r.branch.order !== lastBranch) {
      if (i > 0) root.append(svg("line", { x1: 0, x2: W, y1: y, y2: y, class: "branch-sep" }));
      if (r.branch.label) root.append(svg("text", { x: W - 8, y: y + RH - 3, class: "branch-label" }, r.branch.label));
    }
    lastBranch = r.branch.order;
    root.append(svg("text", { x: 4, y: y + RH - 3, class: "row-label" }, r.name.length > 40 ? r.name.slice(0, 39) + "…" : r.name));
  });
  for (const a of attempts) {
    const i = rowOf.get(a.task);
    if (i >= maxRows) continue;
    const y = TOP + i * RH + 2;
    root.append(svg("rect", { x: x(a.start), y, width: Math.max(2, x(a.end) - x(a.start)), height: RH - 4, class: `att st-${a.outcome}`, "data-attempt": a.attempt, "data-task": a.task },
      svg("title", {}, `${a.name} attempt ${a.attempt}: ${a.outcome}, ${fmtDuration(a.end - a.start)}${a.detail ? "\n" + a.detail : ""}`)));
  }
  const wrap = h("div", { class: "timeline-wrap" }, root);
  if (rows.length > maxRows) wrap.append(h("p", { class: "muted" }, `… and ${rows.length - maxRows} more tasks`));
  return wrap;
}
