// A job's page: summary and the verbs (approve with the gate's text, cancel, retry),
// the workflow graph coloured by state, per-branch progress, the attempts' timeline,
// failures and events. Live: it polls the job's events after the last one seen (a
// cheap read) and rereads the job, its graph and tasks only when something happened.
import { h, clear, section } from "./dom.js";
import { api, eventsAfter } from "./api.js";
import { renderGraph } from "./graph.js";
import { computeBranches, renderBranches, branchOfKey } from "./branches.js";
import { attemptsOf, renderTimeline } from "./timeline.js";
import { summary, failures, slowest, eventsTable } from "./sections.js";
import { logsPanel } from "./logs.js";

function actions(job, act) {
  const box = h("div", { class: "actions" });
  for (const g of job.waitingGates || []) {
    box.append(h("div", { class: "gate", "data-gate": g.gate },
      h("p", { class: "gate-text" }, g.message || `gate ${g.gate} is waiting`),
      h("button", { class: "approve primary", "data-gate": g.gate, onclick: () => act("approve", { gate: g.gate, who: "web" }) }, `Approve ${g.gate}`)));
  }
  if (job.state === "running") {
    box.append(h("button", { class: "cancel danger", onclick: () => { if (confirm(`Cancel job ${job.id}?`)) act("cancel", { who: "web" }); } }, "Cancel job"));
  }
  if (job.state === "failed" || job.state === "cancelled") {
    box.append(h("button", { class: "retry", onclick: () => act("retry", { who: "web" }) }, "Retry failed tasks"));
  }
  return box;
}

export function jobPage(root, id, params) {
  const state = { job: null, graph: null, tasks: [], events: [], lastSeq: "0" };
  const msg = h("p", { class: "message", id: "message", role: "status" });
  const logs = logsPanel(id);
  const parts = {
    head: h("div", {}), acts: h("div", {}), graph: h("div", { class: "graph-wrap" }),
    branches: h("div", {}), timeline: h("div", {}), failures: h("div", {}), slowest: h("div", {}), events: h("div", {}),
  };
  clear(root).append(
    h("div", { class: "toolbar" }, h("h1", {}, `Job #${id}`), h("a", { href: "#/" }, "← all jobs")), msg,
    section("Summary", "summary", parts.head, parts.acts),
    parts.failures,
    section("Workflow", "graph", parts.graph),
    section("Progress by branch", "branches", parts.branches),
    section("Timeline of attempts", "timeline", parts.timeline),
    section("Task logs", "logs", logs.el),
    parts.slowest,
    section("Events", "events", parts.events));
  // A click on an attempt's bar shows that attempt's logs.
  parts.timeline.addEventListener("click", (ev) => {
    const bar = ev.target.closest("rect.att");
    if (bar) logs.show(bar.dataset.task, Number(bar.dataset.attempt));
  });
  let stopped = false;
  const render = () => {
    const { job, graph, tasks, events } = state;
    const waiting = new Set((job.waitingGates || []).map((g) => g.gate));
    clear(parts.head).append(summary(job));
    clear(parts.acts).append(actions(job, act));
    clear(parts.failures).append(failures(job, graph, tasks) || "");
    clear(parts.graph).append(renderGraph(graph, waiting));
    clear(parts.branches).append(renderBranches(computeBranches(graph, tasks, events)));
    const now = job.state === "running" ? Date.now() : Number(job.updatedMs);
    const attempts = attemptsOf(events, tasks, now);
    clear(parts.timeline).append(renderTimeline(attempts, { width: Math.max(800, root.clientWidth - 60), branchOf: branchOfKey(graph) }));
    clear(parts.slowest).append(slowest(attempts) || "");
    logs.setTasks(tasks);
    clear(parts.events).append(eventsTable(events, tasks, Number(job.createdMs)));
    root.dataset.jobState = job.state;
  };
  const refresh = async () => {
    const base = `/v1/jobs/${encodeURIComponent(id)}`;
    const fresh = await eventsAfter(id, state.lastSeq);
    if (fresh.length) {
      state.events.push(...fresh);
      state.lastSeq = fresh[fresh.length - 1].seq;
    }
    if (fresh.length || !state.job) {
      const [job, graph, tasks] = await Promise.all([api(base), api(`${base}/graph`), api(`${base}/tasks`)]);
      Object.assign(state, { job, graph, tasks: tasks.tasks || [] });
      render();
    }
  };
  async function act(verb, body) {
    try {
      await api(`/v1/jobs/${encodeURIComponent(id)}/${verb}`, { method: "POST", body });
      msg.textContent = `${verb}: done`;
      await refresh();
    } catch (e) {
      msg.textContent = `${verb}: ${e.message}`;
    }
  }
  const tick = async () => {
    if (stopped) return;
    try { await refresh(); } catch (e) { msg.textContent = e.message; if (e.status === 401) return params.onAuth(); }
    setTimeout(tick, state.job && state.job.state !== "running" ? 5000 : 1000);
  };
  tick();
  return () => { stopped = true; };
}
