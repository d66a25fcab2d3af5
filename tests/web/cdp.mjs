// A small Chrome DevTools Protocol client over Node's global WebSocket (node 20:
// --experimental-websocket; 22+: built in): starts headless Chromium with
// --remote-debugging-port and drives one page. No npm packages, no network.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export async function launch(binary, { width = 1400, height = 1000 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "dandori-chromium-"));
  const proc = spawn(binary, [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--no-first-run", "--no-default-browser-check", "--disable-extensions",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    `--user-data-dir=${profile}`, `--window-size=${width},${height}`,
    "--remote-debugging-port=0", "about:blank",
  ], { stdio: ["ignore", "ignore", "pipe"] });
  const wsUrl = await new Promise((resolve, reject) => {
    let err = "";
    const t = setTimeout(() => reject(new Error("chromium did not start:\n" + err)), 30000);
    proc.stderr.on("data", (d) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
    proc.on("exit", (code) => reject(new Error(`chromium exited ${code}:\n${err}`)));
  });
  const port = new URL(wsUrl).port;
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const page = targets.find((t) => t.type === "page");
  const cdp = await connect(page.webSocketDebuggerUrl);
  cdp.close = async () => {
    const gone = new Promise((r) => proc.once("exit", r));
    try { proc.kill("SIGKILL"); } catch {}
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    try { rmSync(profile, { recursive: true, force: true }); } catch {}
  };
  return cdp;
}

async function connect(url) {
  const ws = new WebSocket(url);
  await new Promise((res, rej) => { ws.onopen = res; ws.onerror = () => rej(new Error("cannot connect " + url)); });
  let next = 1;
  const pending = new Map();
  const listeners = [];
  ws.onmessage = (m) => {
    const msg = JSON.parse(m.data);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${msg.error.message}`)); else resolve(msg.result);
    } else if (msg.method) {
      for (const l of listeners) l(msg);
    }
  };
  const send = (method, params = {}) => new Promise((resolve, reject) => {
    const id = next++;
    pending.set(id, { resolve, reject });
    ws.send(JSON.stringify({ id, method, params }));
  });
  // Evaluates an expression in the page (promises awaited); its JSON value.
  const evaluate = async (expression) => {
    const r = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page: ${r.exceptionDetails.exception?.description || r.exceptionDetails.text}`);
    return r.result.value;
  };
  // Polls `expression` until it is truthy; its value.
  const waitFor = async (expression, what, timeoutMs = 30000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await evaluate(expression).catch(() => null);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what} (${expression})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const screenshot = async (path) => {
    const { writeFileSync } = await import("node:fs");
    const m = await send("Page.getLayoutMetrics");
    const size = m.cssContentSize || m.contentSize;
    const r = await send("Page.captureScreenshot", {
      format: "png", captureBeyondViewport: true,
      clip: { x: 0, y: 0, width: Math.ceil(size.width), height: Math.min(6000, Math.ceil(size.height)), scale: 1 },
    });
    writeFileSync(path, Buffer.from(r.data, "base64"));
  };
  return { send, evaluate, waitFor, screenshot, on: (f) => listeners.push(f) };
}
