// `dandori report`'s file in headless Chromium with every network request refused:
// it renders from its inline data alone (timeline, branches, slowest attempts).
// Usage: node --experimental-websocket report_test.mjs CHROMIUM FILE OUT ZONES SERVERS
import { launch } from "./cdp.mjs";
import { readFileSync } from "node:fs";

const [chromium, file, out, zonesArg, serversArg] = process.argv.slice(2);
const zones = Number(zonesArg), servers = Number(serversArg);
let failures = 0;
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures++; };

const html = readFileSync(file, "utf8");
check(!/<script[^>]+src=|<link[^>]+href=/.test(html), "the report references no other file");
const page = await launch(chromium);
const requests = [];
try {
  await page.send("Network.enable");
  page.on((m) => { if (m.method === "Network.requestWillBeSent" && !m.params.request.url.startsWith("file:")) requests.push(m.params.request.url); });
  await page.send("Page.enable");
  await page.send("Page.navigate", { url: "file://" + file });
  await page.waitFor(`document.querySelector("#timeline svg")`, "the report's timeline");
  check(requests.length === 0, `no network requests (${requests.join(", ")})`);
  const rows = await page.evaluate(`document.querySelectorAll("#timeline rect.att").length`);
  check(rows >= zones * servers * 5, `a timeline bar per attempt (${rows})`);
  const bars = await page.evaluate(`document.querySelectorAll(".branch-group[data-kind=fanout] .branch").length`);
  check(bars === zones - 1, `a bar per zone of the fan-out (${bars})`);
  const branchRows = await page.evaluate(`document.querySelectorAll("#branch-table tr.branch-row").length`);
  check(branchRows === 1 + servers + zones - 1, `a duration row per branch (${branchRows}: the tasks outside loops, the canary zone's ${servers} servers, ${zones - 1} zones)`);
  const slow = await page.evaluate(`document.querySelectorAll("#slowest tbody tr").length`);
  check(slow > 0, `the slowest attempts are listed (${slow})`);
  const state = await page.evaluate(`document.querySelector("#summary .badge").textContent`);
  check(state === "succeeded", `the summary says succeeded (${state})`);
  await page.screenshot(`${out}/06-report.png`);
} catch (e) {
  console.log("FAIL", e.message);
  failures++;
} finally {
  await page.close();
}
console.log(failures ? `report test: ${failures} failed` : "report test: all passed");
process.exit(failures ? 1 : 0);
