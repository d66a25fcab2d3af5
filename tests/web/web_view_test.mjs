// The web view in real headless Chromium, on a running deploy (the fleet simulator,
// tests/fleet/deploy_canary_fast.flow) served by `dandori ui`: signs in, lists the
// job, opens it, finds the gate's text and its approve button and the zone's rolling
// waves, approves through the page, sees a bar per zone of the fan-out and the job
// succeed; checks that data needs the token and that asset paths cannot escape.
// Screenshots go to OUT. Usage: node --experimental-websocket web_view_test.mjs
//   CHROMIUM URL TOKEN OUT ZONES SERVERS
import { launch } from "./cdp.mjs";

const [chromium, url, token, out, zonesArg, serversArg] = process.argv.slice(2);
const zones = Number(zonesArg), servers = Number(serversArg);
let failures = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures++;
};

const page = await launch(chromium);
try {
  await page.send("Page.enable");
  await page.send("Runtime.enable");
  page.on((m) => {
    if (m.method === "Runtime.exceptionThrown") {
      console.log("page exception:", m.params.exceptionDetails?.exception?.description);
      failures++;
    }
  });
  await page.send("Page.navigate", { url });
  await page.waitFor(`document.querySelector("#login #token")`, "the sign-in form");
  await page.screenshot(`${out}/01-login.png`);

  // Data needs the token; assets never leave their table.
  const anon = await page.evaluate(`fetch("/v1/jobs").then((r) => r.status)`);
  check(anon === 401, `GET /v1/jobs without a token is 401 (got ${anon})`);
  const escape = await page.evaluate(`fetch("/ui/..%2f..%2fetc%2fpasswd").then((r) => r.status)`);
  check(escape === 404, `an asset path with ../ is 404 (got ${escape})`);
  const bad = await page.evaluate(`(() => { document.querySelector("#token").value = "wrong-token-wrong";
    document.querySelector("#login").requestSubmit(); return true; })()`);
  await page.waitFor(`document.querySelector("#login .error")`, "the refused-token message");
  check(bad, "a wrong token is refused on the sign-in page");

  await page.evaluate(`(() => { document.querySelector("#token").value = ${JSON.stringify(token)};
    document.querySelector("#login").requestSubmit(); return true; })()`);
  await page.waitFor(`document.querySelector(".job-row")`, "the jobs list");
  const row = await page.evaluate(`(() => { const r = document.querySelector(".job-row");
    return { id: r.dataset.job, state: r.dataset.state, text: r.textContent }; })()`);
  check(row.state === "running" && row.text.includes("deploy_canary_fast"), `the jobs list shows the running deploy (${row.text})`);
  const inUrl = await page.evaluate(`location.href.includes(${JSON.stringify(token)})`);
  check(!inUrl, "the token is not in the URL");
  await page.screenshot(`${out}/02-jobs.png`);
  await page.evaluate(`(() => { const s = document.querySelector("#state-filter"); s.value = "failed";
    s.dispatchEvent(new Event("change")); return true; })()`);
  const none = await page.waitFor(`location.hash === "#/?state=failed" && !document.querySelector(".job-row") &&
    document.querySelector("main p.muted")?.textContent === "No jobs." || null`, "the failed filter's empty list");
  check(none === true, "the state filter lists no failed jobs");
  await page.evaluate(`(location.hash = "#/?state=running", true)`);
  await page.waitFor(`document.querySelector(".job-row[data-state=running]")`, "the running filter's row");

  await page.evaluate(`document.querySelector('.job-row a').click(), true`);
  const gateText = await page.waitFor(`document.querySelector("button.approve[data-gate=go_wide]") &&
    document.querySelector(".gate[data-gate=go_wide] .gate-text").textContent`, "the gate's approve button", 90000);
  check(/z01 runs 2\.0; deploy to the other zones\?/.test(gateText), `the gate's text is shown: "${gateText}"`);
  const cells = await page.evaluate(`document.querySelector(".branch-group[data-kind=rolling]").querySelectorAll(".cell").length`);
  check(cells === servers, `the canary zone's rolling block shows a cell per server (${cells} of ${servers})`);
  const waves = await page.evaluate(`Number(document.querySelector(".branch-group[data-kind=rolling] .rolling").dataset.waves)`);
  check(waves === servers, `its waves of one server each are shown (${waves})`);
  const gateNode = await page.evaluate(`document.querySelector('.graph g.node[data-state=go_wide]')?.dataset.status`);
  check(gateNode === "waiting", `the graph colours the gate as waiting (${gateNode})`);
  await page.screenshot(`${out}/03-job-gate.png`);

  await page.evaluate(`document.querySelector("button.approve[data-gate=go_wide]").click(), true`);
  const bars = await page.waitFor(`(() => { const n = document.querySelectorAll(".branch-group[data-kind=fanout] .branch").length;
    return n >= ${zones - 1} ? n : 0; })()`, "a bar per zone of the fan-out", 60000);
  check(bars === zones - 1, `a bar per zone of the fan-out (${bars} for the ${zones - 1} other zones)`);
  const gone = await page.waitFor(`!document.querySelector("button.approve") || null`, "the approve button to go", 30000);
  check(gone === true, "the gate no longer waits after approving");
  await page.screenshot(`${out}/04-job-running.png`);

  const state = await page.waitFor(`document.querySelector("#app").dataset.jobState !== "running" && document.querySelector("#app").dataset.jobState`, "the job to end", 120000);
  check(state === "succeeded", `the job proceeds and succeeds (${state})`);
  const rolling = await page.evaluate(`document.querySelectorAll(".branch-group[data-kind=rolling]").length`);
  check(rolling === zones, `a rolling strip per zone (${rolling})`);
  const done = await page.evaluate(`[...document.querySelectorAll(".branch-group[data-kind=fanout] .branch")].every((b) => b.dataset.status === "succeeded")`);
  check(done, "every zone's bar is complete");
  const atts = await page.evaluate(`document.querySelectorAll(".timeline rect.att").length`);
  check(atts >= zones * servers * 5, `the timeline has a bar per attempt (${atts})`);
  const evs = await page.evaluate(`[...document.querySelectorAll("tr.ev-gate-approved")].map((r) => r.textContent).join("|")`);
  check(/gate\.approved/.test(evs), `the events show the approval (${evs.slice(0, 80)})`);
  const ms = await page.evaluate(`document.querySelector("tr.ev td.num").textContent`);
  check(/^\d\d:\d\d:\d\d\.\d{3}$/.test(ms), `event times have milliseconds (${ms})`);
  const green = await page.evaluate(`document.querySelectorAll('.graph g.node[data-status=succeeded]').length`);
  check(green >= 10, `the graph colours the finished stages (${green})`);
  // A click on an attempt asks for its logs (GET /v1/jobs/N/logs, where the server has it).
  await page.evaluate(`(document.querySelector(".timeline rect.att").dispatchEvent(new MouseEvent("click", { bubbles: true })), true)`);
  const logText = await page.waitFor(`(() => { const t = document.querySelector("#log-output").textContent;
    return t && t !== "loading…" ? t : null; })()`, "the attempt's logs", 15000);
  check(!/^logs: |keeps no task logs/.test(logText), `clicking an attempt shows its logs (${logText.slice(0, 60)})`);
  check(!/object HTML/.test(logText), `the logs are shown as text (${logText.slice(0, 60)})`);
  // The task picker names tasks by label; a drain's log has its progress lines.
  const drain = await page.evaluate(`(() => { const o = [...document.querySelectorAll("#log-task option")]
    .find((o) => /^drain2\\[i=2, server=z03-s\\d{3}\\]$/.test(o.textContent)); return o ? o.value : null; })()`);
  const names = await page.evaluate(`[...document.querySelectorAll("#log-task option")].slice(0, 8).map((o) => o.textContent).join(" | ")`);
  check(drain !== null, `the task picker names a drain by its loop variables (${drain}; ${names})`);
  if (drain) {
    await page.evaluate(`(() => { const s = document.querySelector("#log-task"); s.value = ${JSON.stringify(drain)};
      document.querySelector("#log-attempt").value = 0; document.querySelector("#log-show").click(); return true; })()`);
    const drainLog = await page.waitFor(`(() => { const t = document.querySelector("#log-output").textContent;
      return /progress/.test(t) ? t : null; })()`, "the drain's progress log", 15000);
    check(/drain2\[i=2, server=z03-s\d{3}\] · attempt 1 · progress/.test(drainLog) && /cameras/.test(drainLog),
      `a drain's log shows its progress lines (${(drainLog || "").slice(0, 90)})`);
  }
  await page.screenshot(`${out}/05-job-succeeded.png`);
} catch (e) {
  console.log("FAIL", e.message);
  failures++;
  await page.screenshot(`${out}/failure.png`).catch(() => {});
} finally {
  await page.close();
}
console.log(failures ? `web view test: ${failures} failed` : "web view test: all passed");
process.exit(failures ? 1 : 0);
