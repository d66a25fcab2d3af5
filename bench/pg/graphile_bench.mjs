// graphile_bench.mjs: the graphile-worker side of bench/pg (run by bench/pg/run.sh).
//
//   node graphile_bench.mjs URL MODE JOBS CONCURRENCY LATENCY_JOBS
//
// MODE "default": graphile-worker's default settings apart from concurrency;
// MODE "best": its local queue (batched fetch) and batched completion.
// Throughput: JOBS no-op jobs are queued in one statement, then a worker pool drains
// them; tasks/s = JOBS / drain time. Latency at light load: LATENCY_JOBS jobs added
// one by one (10 ms apart) while the pool is idle; enqueue-to-start = the task's start
// time minus the add time, both taken in this process. Prints one JSON line.
import { performance } from "node:perf_hooks";
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";
import url from "node:url";

const here = path.dirname(url.fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, "../peers/package.json"));
const { run, runMigrations, makeWorkerUtils } = require("graphile-worker");

const [connectionString, mode, jobsArg, concArg, latArg] = process.argv.slice(2);
const jobs = Number(jobsArg || 20000);
const concurrency = Number(concArg || 24);
const latencyJobs = Number(latArg || 200);
const now = () => performance.timeOrigin + performance.now();
const silent = () => () => {};
const logger = new (require("graphile-worker").Logger)(silent);

const preset = {
  worker: {
    connectionString,
    concurrentJobs: concurrency,
    pollInterval: 2000,
    ...(mode === "best"
      ? { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 }
      : {}),
  },
};

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  await runMigrations({ connectionString, logger });
  const utils = await makeWorkerUtils({ connectionString, logger });
  await utils.withPgClient((c) => c.query("DELETE FROM graphile_worker._private_jobs"));

  let done = 0;
  let onAllDone;
  let target = jobs;
  const latencies = [];
  const taskList = {
    noop: async (payload) => {
      if (payload && payload.t) latencies.push(now() - payload.t);
      done += 1;
      if (done === target && onAllDone) onAllDone();
    },
  };

  // Throughput: queue everything first, then time the drain.
  await utils.withPgClient((c) =>
    c.query(
      "SELECT graphile_worker.add_job('noop', json_build_object('i', i)) " +
        "FROM generate_series(1, $1::int) i",
      [jobs],
    ),
  );
  const allDone = new Promise((r) => (onAllDone = r));
  const t0 = now();
  const runner = await run({ preset, taskList, logger, noHandleSignals: true });
  await allDone;
  const seconds = (now() - t0) / 1000;

  // Latency at light load: one job at a time, 10 ms apart.
  done = 0;
  target = latencyJobs;
  const latDone = new Promise((r) => (onAllDone = r));
  for (let i = 0; i < latencyJobs; i++) {
    await utils.addJob("noop", { t: now() });
    await new Promise((r) => setTimeout(r, 10));
  }
  await latDone;
  await runner.stop();
  await utils.release();
  latencies.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      system: "graphile-worker " + JSON.parse(fs.readFileSync(path.join(here, "../peers/node_modules/graphile-worker/package.json"), "utf8")).version,
      mode,
      jobs,
      concurrency,
      seconds,
      tasks_per_s: jobs / seconds,
      p50_ms: percentile(latencies, 50),
      p99_ms: percentile(latencies, 99),
    }),
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
