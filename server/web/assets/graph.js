// The workflow graph as SVG: the states and transitions of the job's Table (the same
// graph `dandori graph` draws, from GET /v1/jobs/N/graph), coloured by the state of
// each state's tasks. Layout: a state's row is its longest path from the start; a
// row's states are ordered by their enclosing blocks, so a block's states stay
// together, and each block is a dashed box around them.
import { svg } from "./dom.js";

const W = 150, H = 38, GX = 18, GY = 34, PAD = 14;

// The colour class of a node: failed > waiting (gate) > running > done > pending.
export function nodeState(node, waitingGates) {
  const c = node.taskCounts || {};
  const n = (k) => Number(c[k] || 0);
  if (node.kind === "gate" && waitingGates.has(node.name)) return "waiting";
  if (n("failed") > 0) return "failed";
  if (n("running") > 0 || n("ready") > 0) return "running";
  if (n("cancelled") > 0) return "cancelled";
  if (n("succeeded") > 0) return "succeeded";
  if (n("skipped") > 0) return "skipped";
  return "pending";
}

function ranks(nodes, edges) {
  const indeg = new Map(nodes.map((n) => [n.index, 0]));
  const out = new Map(nodes.map((n) => [n.index, []]));
  for (const e of edges) {
    if (!out.has(e.from) || !indeg.has(e.to) || e.from === e.to) continue;
    out.get(e.from).push(e.to);
    indeg.set(e.to, indeg.get(e.to) + 1);
  }
  const rank = new Map(nodes.map((n) => [n.index, 0]));
  const queue = nodes.filter((n) => indeg.get(n.index) === 0).map((n) => n.index);
  const seen = new Set();
  while (queue.length) {
    const i = queue.shift();
    seen.add(i);
    for (const j of out.get(i)) {
      rank.set(j, Math.max(rank.get(j), rank.get(i) + 1));
      indeg.set(j, indeg.get(j) - 1);
      if (indeg.get(j) === 0) queue.push(j);
    }
  }
  let max = Math.max(0, ...rank.values());
  for (const n of nodes) if (!seen.has(n.index)) rank.set(n.index, ++max);  // a cycle: last
  return rank;
}

// The enclosing BEGIN indices of each node, outermost first (a BEGIN / END is inside
// its own block).
export function ancestors(nodes) {
  const byIndex = new Map(nodes.map((n) => [n.index, n]));
  const memo = new Map();
  const chain = (i) => {
    if (memo.has(i)) return memo.get(i);
    const n = byIndex.get(i);
    let c = [];
    if (n && n.parent >= 0 && n.parent !== i) c = [...chain(n.parent), n.parent];
    memo.set(i, c);
    return c;
  };
  const out = new Map();
  for (const n of nodes) {
    const own = n.kind === "begin" ? [n.index] : [];
    let c = chain(n.index);
    if (n.kind === "end" && n.blockBegin >= 0 && !c.includes(n.blockBegin)) {
      c = [...chain(n.blockBegin), n.blockBegin];  // an END belongs inside its block
    }
    out.set(n.index, [...c, ...own]);
  }
  return out;
}

export function renderGraph(graph, waitingGates = new Set()) {
  const nodes = graph.nodes || [], edges = graph.edges || [];
  const rank = ranks(nodes, edges);
  const anc = ancestors(nodes);
  const rows = new Map();
  for (const n of nodes) {
    const r = rank.get(n.index);
    if (!rows.has(r)) rows.set(r, []);
    rows.get(r).push(n);
  }
  const key = (n) => [...anc.get(n.index), n.index].map((i) => String(i).padStart(6, "0")).join("/");
  const pos = new Map();
  let width = 0;
  for (const [r, list] of rows) {
    list.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    list.forEach((n, k) => pos.set(n.index, { x: PAD * 3 + k * (W + GX), y: PAD * 3 + r * (H + GY) }));
    width = Math.max(width, PAD * 6 + list.length * (W + GX));
  }
  const height = PAD * 6 + (Math.max(0, ...rows.keys()) + 1) * (H + GY);
  const root = svg("svg", { class: "graph", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" },
    svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "arrowhead" }))));
  // Blocks: a dashed box around their states, the outer ones first.
  const begins = nodes.filter((n) => n.kind === "begin").sort((a, b) => anc.get(a.index).length - anc.get(b.index).length);
  for (const b of begins) {
    const inside = nodes.filter((n) => anc.get(n.index).includes(b.index)).map((n) => pos.get(n.index));
    if (!inside.length) continue;
    const depth = anc.get(b.index).length - 1;
    const pad = Math.max(4, PAD - 4 * depth);
    const x0 = Math.min(...inside.map((p) => p.x)) - pad, y0 = Math.min(...inside.map((p) => p.y)) - pad - 12;
    const x1 = Math.max(...inside.map((p) => p.x)) + W + pad, y1 = Math.max(...inside.map((p) => p.y)) + H + pad;
    root.append(svg("g", { class: `block bk-${b.blockKind}` },
      svg("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, rx: 6 }),
      svg("text", { x: x0 + 6, y: y0 + 12, class: "block-title" }, b.blockTitle || b.name)));
  }
  for (const e of edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue;
    const x1 = a.x + W / 2, y1 = a.y + H, x2 = b.x + W / 2, y2 = b.y;
    const my = (y1 + y2) / 2;
    const d = y2 > y1 ? `M ${x1} ${y1} C ${x1} ${my}, ${x2} ${my}, ${x2} ${y2}`
                      : `M ${x1} ${y1} C ${x1} ${y1 + 40}, ${x2} ${y2 - 40}, ${x2} ${y2}`;
    root.append(svg("path", { d, class: `edge edge-${e.kind}`, "marker-end": "url(#arrow)" },
      svg("title", {}, e.kind)));
  }
  for (const n of nodes) {
    const p = pos.get(n.index);
    const st = nodeState(n, waitingGates);
    const c = n.taskCounts || {};
    const counts = Object.entries(c).map(([k, v]) => `${k} ${v}`).join(", ");
    const lines = (n.label || n.name).split("\n");
    const g = svg("g", { class: `node nk-${n.kind} ns-${st}`, "data-state": n.name, "data-status": st },
      svg("title", {}, `${n.name} — ${st}${counts ? " (" + counts + ")" : ""}${n.loc ? "\n" + n.loc : ""}`));
    if (n.kind === "gate") {
      g.append(svg("polygon", { points: `${p.x + W / 2},${p.y} ${p.x + W},${p.y + H / 2} ${p.x + W / 2},${p.y + H} ${p.x},${p.y + H / 2}` }));
    } else {
      const r = n.kind === "succeed" || n.kind === "fail" ? H / 2 : n.kind === "begin" || n.kind === "end" ? 2 : 8;
      g.append(svg("rect", { x: p.x, y: p.y, width: W, height: H, rx: r }));
    }
    lines.slice(0, 2).forEach((t, k) => g.append(svg("text", {
      x: p.x + W / 2, y: p.y + (lines.length > 1 ? 15 + k * 14 : H / 2 + 4), class: k ? "sub" : "",
    }, t.length > 24 ? t.slice(0, 23) + "…" : t)));
    root.append(g);
  }
  return root;
}
