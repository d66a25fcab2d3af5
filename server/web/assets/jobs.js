// The jobs list: state, workflow, started, duration, progress; filtered by state;
// refreshed every few seconds.
import { h, clear, badge } from "./dom.js";
import { api } from "./api.js";
import { fmtDate, fmtDuration, jobDuration, num } from "./format.js";

const STATES = ["", "running", "succeeded", "failed", "cancelled"];

function progress(job) {
  const c = job.taskCounts || {};
  const total = num(job.taskTotal) || 1;
  const done = num(c.succeeded) + num(c.skipped);
  const el = h("div", { class: "bar small" });
  for (const s of ["succeeded", "skipped", "failed", "running"]) {
    if (!num(c[s])) continue;
    const seg = h("span", { class: `seg st-${s}` });
    seg.style.width = `${(100 * num(c[s])) / total}%`;
    el.append(seg);
  }
  return h("div", { class: "progress" }, el, h("span", { class: "bcount" }, `${done}/${num(job.taskTotal)}`));
}

export function jobsPage(root, params) {
  const state = params.get("state") || "";
  const select = h("select", { id: "state-filter", "aria-label": "state" },
    STATES.map((s) => h("option", { value: s, selected: s === state }, s || "all states")));
  select.addEventListener("change", () => { location.hash = select.value ? `#/?state=${select.value}` : "#/"; });
  const body = h("tbody", {});
  const status = h("p", { class: "muted" });
  clear(root).append(h("div", { class: "toolbar" }, h("h1", {}, "Jobs"), select), status,
    h("table", { class: "grid jobs" },
      h("thead", {}, h("tr", {}, ["job", "state", "workflow", "started", "duration", "progress", "waiting"].map((t) => h("th", {}, t)))),
      body));
  let stopped = false;
  const load = async () => {
    const q = state ? `?state=${encodeURIComponent(state)}&pageSize=200` : "?pageSize=200";
    const data = await api(`/v1/jobs${q}`);
    const jobs = data.jobs || [];
    status.textContent = jobs.length ? "" : "No jobs.";
    clear(body).append(...jobs.map((j) => h("tr", { class: "job-row", "data-job": j.id, "data-state": j.state },
      h("td", {}, h("a", { href: `#/jobs/${j.id}` }, `#${j.id}`)),
      h("td", {}, badge(j.state)),
      h("td", {}, j.workflow),
      h("td", {}, fmtDate(j.createdMs)),
      h("td", { class: "num" }, fmtDuration(jobDuration(j))),
      h("td", {}, progress(j)),
      h("td", {}, (j.waitingGates || []).map((g) => h("span", { class: "badge st-waiting" }, `approve ${g.gate}`))))));
  };
  const tick = async () => {
    if (stopped) return;
    try { await load(); } catch (e) { status.textContent = e.message; if (e.status === 401) return params.onAuth(); }
    setTimeout(tick, 3000);
  };
  tick();
  return () => { stopped = true; };
}
