// Per-branch progress: a bar per item of a foreach / fanout (a zone of a deploy) and a
// strip of the items of a rolling block split into its waves, from the job's tasks
// (a key "s12/3/7" is state 12, item 3 of its outer loop, item 7 of the inner one)
// and its wave.started events.
import { h } from "./dom.js";
import { ancestors } from "./graph.js";

const LOOPS = new Set(["foreach", "fanout", "rolling"]);
const PATHED = new Set(["foreach", "fanout", "rolling", "group"]);  // add a key component

export function parseKey(key) {
  const m = /^s(\d+)((?:\/\d+)*)$/.exec(key || "");
  if (!m) return null;
  return { state: Number(m[1]), path: m[2] ? m[2].slice(1).split("/") : [] };
}

// "drain[zone=z03, server=z03-s040]" -> ["zone=z03", "server=z03-s040"]
function labelParts(label) {
  const m = /\[(.*)\]$/.exec(label || "");
  return m ? m[1].split(", ") : [];
}

function itemState(c) {
  if (c.failed) return "failed";
  if (c.running || c.ready) return "running";
  if (c.cancelled) return "cancelled";
  if (c.succeeded || c.skipped) return "succeeded";
  return "pending";
}

// Groups: one per (loop block, instance of its owner), each with its items' task
// counts, labels and (rolling) waves.
export function computeBranches(graph, tasks, events) {
  const nodes = graph.nodes || [];
  const byIndex = new Map(nodes.map((n) => [n.index, n]));
  const anc = ancestors(nodes);
  const chainOf = new Map();
  for (const n of nodes) chainOf.set(n.index, anc.get(n.index).filter((b) => PATHED.has(byIndex.get(b)?.blockKind)));
  const groups = new Map();
  const group = (block, owner) => {
    const k = `${block}|${owner}`;
    if (!groups.has(k)) groups.set(k, { block: byIndex.get(block), owner, ownerLabel: "", items: new Map(), waves: [], total: 0 });
    return groups.get(k);
  };
  for (const t of tasks) {
    const p = parseKey(t.key);
    if (!p || !chainOf.has(p.state)) continue;
    const chain = chainOf.get(p.state);
    const parts = labelParts(t.label);
    let loopDepth = 0;
    for (let d = 0; d < chain.length && d < p.path.length; d++) {
      const b = byIndex.get(chain[d]);
      if (!LOOPS.has(b.blockKind)) continue;
      const g = group(chain[d], p.path.slice(0, d).join("/"));
      const item = Number(p.path[d]);
      if (!g.items.has(item)) g.items.set(item, { item, counts: {}, label: "" });
      const it = g.items.get(item);
      it.counts[t.state] = (it.counts[t.state] || 0) + 1;
      if (!it.label && parts.length > loopDepth) it.label = parts[loopDepth];
      if (!g.ownerLabel && loopDepth > 0 && parts.length >= loopDepth) g.ownerLabel = parts.slice(0, loopDepth).join(", ");
      g.total = Math.max(g.total, item + 1);
      loopDepth++;
    }
  }
  // A wave.started event names its block as "rolling server/1/0": the block's name (loop
  // names repeat, "rolling server") and the owner's path, whose length tells the depth.
  const begins = nodes.filter((n) => n.kind === "begin");
  for (const e of events) {
    if (e.what !== "wave.started") continue;
    const b = begins
      .filter((n) => (e.task || "").startsWith(n.name))
      .map((n) => ({ n, owner: e.task.slice(n.name.length).replace(/^\//, "") }))
      .filter(({ n, owner }) => (owner ? owner.split("/").length : 0) === chainOf.get(n.index).length - 1 &&
        /^(\d+(\/\d+)*)?$/.test(owner))
      .sort((x, y) => Number(groups.has(`${y.n.index}|${y.owner}`)) - Number(groups.has(`${x.n.index}|${x.owner}`)))[0];
    if (!b) continue;
    const g = group(b.n.index, b.owner);
    const m = /items (\d+)\.\.(\d+) of (\d+)/.exec(e.detail || "");
    g.waves.push({ wave: e.attempt, from: m ? Number(m[1]) - 1 : 0, to: m ? Number(m[2]) : 0 });
    if (m) g.total = Math.max(g.total, Number(m[3]));
  }
  const ownerKey = (o) => o.split("/").map((x) => x.padStart(8, "0")).join("/");
  return [...groups.values()].sort((a, b) => a.block.index - b.block.index || (ownerKey(a.owner) < ownerKey(b.owner) ? -1 : 1));
}

// The branch a task ran in, for the timeline: its outermost loop's item
// ({order, label}); tasks outside loops are branch "" (order -1).
export function branchOfKey(graph) {
  const nodes = graph.nodes || [];
  const byIndex = new Map(nodes.map((n) => [n.index, n]));
  const anc = ancestors(nodes);
  return (key, label) => {
    const p = parseKey(key);
    const chain = p ? (anc.get(p.state) || []).filter((b) => PATHED.has(byIndex.get(b)?.blockKind)) : [];
    if (!p || !chain.length || !p.path.length) return { order: "", label: "" };
    const b = byIndex.get(chain[0]);
    const part = labelParts(label)[0];
    return { order: `${String(b.index).padStart(6, "0")}/${p.path[0].padStart(8, "0")}`,
      label: `${b.name} ${part || "#" + p.path[0]}` };
  };
}

const SEGMENTS = ["succeeded", "skipped", "failed", "cancelled", "running", "ready"];

function bar(counts) {
  const total = Object.values(counts).reduce((a, b) => a + b, 0) || 1;
  const el = h("div", { class: "bar" });
  for (const s of SEGMENTS) {
    if (!counts[s]) continue;
    const seg = h("span", { class: `seg st-${s}`, title: `${s} ${counts[s]}` });
    seg.style.width = `${(100 * counts[s]) / total}%`;
    el.append(seg);
  }
  return el;
}

function fanoutRows(g) {
  const items = [...g.items.values()].sort((a, b) => a.item - b.item);
  return items.map((it) => {
    const c = it.counts;
    const all = Object.values(c).reduce((a, b) => a + b, 0);
    const done = (c.succeeded || 0) + (c.skipped || 0);
    const st = itemState(c);
    return h("div", { class: `branch bs-${st}`, "data-item": it.item, "data-status": st },
      h("span", { class: "blabel" }, it.label || `${g.block.blockVar} #${it.item}`),
      bar(c),
      h("span", { class: "bcount" }, `${done}/${all} tasks${c.failed ? `, ${c.failed} failed` : ""}`));
  });
}

function rollingRow(g) {
  const n = Math.max(g.total, 0);
  const starts = new Set(g.waves.map((w) => w.from));
  const cells = h("div", { class: "cells" });
  for (let i = 0; i < n; i++) {
    if (i > 0 && starts.has(i)) cells.append(h("span", { class: "wave-gap" }));
    const it = g.items.get(i);
    const st = it ? itemState(it.counts) : "pending";
    cells.append(h("span", { class: `cell st-${st}`, title: `${it?.label || g.block.blockVar + " #" + i}: ${st}` }));
  }
  const last = g.waves[g.waves.length - 1];
  const doneItems = [...g.items.values()].filter((it) => itemState(it.counts) === "succeeded").length;
  const text = `${doneItems}/${n} items` + (last ? ` · wave ${last.wave}: items ${last.from + 1}..${last.to}` : "");
  return h("div", { class: "rolling", "data-waves": g.waves.length }, cells, h("span", { class: "bcount" }, text));
}

export function renderBranches(groups) {
  const shown = groups.filter((g) => LOOPS.has(g.block.blockKind));
  if (!shown.length) return h("p", { class: "muted" }, "No loops have started yet.");
  return h("div", { class: "branches" }, shown.map((g) =>
    h("div", { class: "branch-group", "data-kind": g.block.blockKind, "data-block": g.block.name },
      h("h3", {}, g.block.blockTitle || g.block.name, g.ownerLabel || g.owner ? h("span", { class: "muted" }, ` — ${g.ownerLabel || "item " + g.owner}`) : ""),
      g.block.blockKind === "rolling" ? rollingRow(g) : fanoutRows(g))));
}
