// Cancel and retry through the page (web_view_test.sh runs it on a second deploy
// waiting at its gate): Cancel job (the confirm dialog accepted) ends the job
// cancelled; Retry failed tasks then makes it running again.
// Usage: node --experimental-websocket web_verbs_test.mjs CHROMIUM URL TOKEN OUT JOB
import { launch } from "./cdp.mjs";

const [chromium, url, token, out, job] = process.argv.slice(2);
let failures = 0;
const check = (ok, what) => { console.log(`${ok ? "ok  " : "FAIL"} ${what}`); if (!ok) failures++; };
const page = await launch(chromium);
try {
  await page.send("Page.enable");
  page.on((m) => {
    if (m.method === "Page.javascriptDialogOpening") page.send("Page.handleJavaScriptDialog", { accept: true });
  });
  await page.send("Page.navigate", { url: `${url}#/jobs/${job}` });
  await page.waitFor(`document.querySelector("#login #token")`, "the sign-in form");
  await page.evaluate(`(() => { document.querySelector("#token").value = ${JSON.stringify(token)};
    document.querySelector("#login").requestSubmit(); return true; })()`);
  await page.waitFor(`document.querySelector("button.approve[data-gate=go_wide]")`, `job ${job} waiting at its gate`, 90000);
  await page.evaluate(`(document.querySelector("button.cancel").click(), true)`);
  const st = await page.waitFor(`document.querySelector("#app").dataset.jobState === "cancelled" && "cancelled"`, "the job to be cancelled", 60000);
  check(st === "cancelled", "Cancel job cancels the job");
  await page.waitFor(`document.querySelector("button.retry")`, "the retry button");
  await page.screenshot(`${out}/07-job-cancelled.png`);
  await page.evaluate(`(document.querySelector("button.retry").click(), true)`);
  const again = await page.waitFor(`document.querySelector("#app").dataset.jobState === "running" && "running"`, "the job to run again", 30000);
  check(again === "running", "Retry failed tasks makes the job running again");
  const msg = await page.evaluate(`document.querySelector("#message").textContent`);
  check(msg === "retry: done", `the page says so (${msg})`);
} catch (e) {
  console.log("FAIL", e.message);
  failures++;
  await page.screenshot(`${out}/failure-verbs.png`).catch(() => {});
} finally {
  await page.close();
}
console.log(failures ? `verbs test: ${failures} failed` : "verbs test: all passed");
process.exit(failures ? 1 : 0);
