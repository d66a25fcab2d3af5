// A task's logs on the job page: pick a task (or click an attempt in the timeline) and
// its operators' stdout / stderr / progress lines are read from
// GET /v1/jobs/N/logs?task=KEY&attempt=N and shown as text.
import { h, clear } from "./dom.js";
import { api } from "./api.js";
import { taskName } from "./format.js";

export function logsPanel(id) {
  const select = h("select", { id: "log-task", "aria-label": "task" });
  const attempt = h("input", { id: "log-attempt", type: "number", min: 0, value: 0, title: "attempt (0: every attempt)", "aria-label": "attempt" });
  const out = h("div", { class: "logs", id: "log-output" });
  const show = async (key, n) => {
    if (key) select.value = key;
    if (n != null) attempt.value = n;
    clear(out).append(h("p", { class: "muted" }, "loading…"));
    try {
      const q = `task=${encodeURIComponent(select.value)}&attempt=${Number(attempt.value) || 0}`;
      const data = await api(`/v1/jobs/${encodeURIComponent(id)}/logs?${q}`);
      const logs = data.logs || [];
      const shown = logs.map((l) => h("div", { class: "log" },
        h("h3", {}, `${taskName(l.label, l.task)} · attempt ${l.attempt} · ${l.stream}${l.truncated ? " (last 1 MiB)" : ""}`),
        h("pre", {}, l.text || "(empty)")));
      clear(out).append(...(shown.length ? shown : [h("p", { class: "muted" }, "No logs for this task.")]));
    } catch (e) {
      clear(out).append(h("p", { class: "muted" }, e.status === 404 && /no such|route|not found/i.test(e.message) && !/job/i.test(e.message)
        ? "This server keeps no task logs." : `logs: ${e.message}`));
    }
  };
  let known = "";
  const setTasks = (tasks) => {
    const sig = tasks.map((t) => t.key + (t.label || "")).join(",");
    if (sig === known) return;
    known = sig;
    const keep = select.value;
    clear(select).append(...tasks.map((t) => h("option", { value: t.key }, taskName(t.label, t.key, t.stage))));
    if (keep) select.value = keep;
  };
  const el = h("div", { class: "logs-panel" },
    h("div", { class: "toolbar" }, h("label", {}, "task ", select), h("label", {}, "attempt ", attempt),
      h("button", { id: "log-show", onclick: () => show() }, "Show logs")), out);
  return { el, setTasks, show };
}
