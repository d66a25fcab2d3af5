// Formatting shared by the web view and the report: durations, times, task names.

// 1234 -> "1.23s", 65000 -> "1m05s", 42 -> "42ms".
export function fmtDuration(ms) {
  if (ms == null || !isFinite(ms)) return "";
  ms = Math.max(0, Math.round(ms));
  if (ms < 1000) return ms + "ms";
  if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + "s";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const pad = (n) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h${pad(m)}m${pad(sec)}s` : `${m}m${pad(sec)}s`;
}

// Wall time with milliseconds: "14:03:07.412".
export function fmtTime(ms) {
  if (!ms) return "";
  const d = new Date(Number(ms));
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// "2026-12-02 14:03:07".
export function fmtDate(ms) {
  if (!ms) return "";
  const d = new Date(Number(ms));
  const pad = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

// A task's name: its human label when the engine stored one, else stage and key.
export function taskName(label, key, stage) {
  if (label) return label;
  if (stage && key) return `${stage} (${key})`;
  return key || "";
}

// The job's duration: to its last update once ended, to now while running.
export function jobDuration(job, now = Date.now()) {
  const start = Number(job.createdMs);
  const end = job.state === "running" ? now : Number(job.updatedMs);
  return end - start;
}

export function num(v) {
  return Number(v || 0);
}
