'use strict';
// pg-boss peer of `cohort-bench --peers`; contract: bench/peers/README.md.
// Run through ./runner, which sets NODE_PATH to the modules that ./install built.

const path = require('node:path');
const common = require(path.join(__dirname, '..', 'node', 'common.js'));

const PEER = 'pg-boss';
const QUEUE = 'bench';
const ENQUEUE_BATCH = 4000; // jobs per insert() call (one INSERT statement each)

// work() options of each variant (see peer.json). Each work() call is one
// polling worker; a worker process makes C of them (C = --concurrency), the
// pattern pg-boss 10's documentation describes for more than one job at a time.
// All jobs of a process run through one limit of C at once.
const VARIANTS = {
  default: {}, // batchSize 1, pollingIntervalSeconds 2 (the defaults)
  batched: { batchSize: 100 }, // pollingIntervalSeconds 2 (the default)
};

function PgBoss() {
  return require('pg-boss');
}

function reportErrors(boss) {
  boss.on('error', (err) => {
    process.stderr.write(`${PEER} error: ${err && err.message ? err.message : String(err)}\n`);
  });
}

// A client-only instance (enqueue, probe, setup): no maintenance and no cron
// timekeeping in these short-lived processes. Workers use the full defaults.
async function startClient(db, migrate) {
  const Boss = PgBoss();
  const boss = new Boss({ connectionString: db, supervise: false, schedule: false, migrate });
  reportErrors(boss);
  await boss.start();
  return boss;
}

async function setup(opts) {
  const boss = await startClient(opts.db, true); // installs the pgboss schema
  try {
    await boss.createQueue(QUEUE); // pg-boss 10: a queue must exist before send()
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

async function enqueue(opts) {
  const boss = await startClient(opts.db, false);
  try {
    for (let done = 0; done < opts.count; done += ENQUEUE_BATCH) {
      const n = Math.min(ENQUEUE_BATCH, opts.count - done);
      const jobs = new Array(n);
      for (let i = 0; i < n; i++) {
        jobs[i] = { name: QUEUE, data: { key: opts.first + done + i, ms: opts['job-ms'] } };
      }
      await boss.insert(jobs);
    }
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

// A counting semaphore: at most `limit` jobs of this process run at once.
function makeLimiter(limit) {
  let running = 0;
  const waiting = [];
  return async (fn) => {
    if (running >= limit) {
      await new Promise((resolve) => waiting.push(resolve));
    } else {
      running++;
    }
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next(); // hand the slot over
      else running--;
    }
  };
}

async function work(opts) {
  const fd = common.openLog(opts.log);
  const workerId = opts.worker;
  const limit = makeLimiter(opts.concurrency);
  const workOptions = VARIANTS[opts.variant];

  const Boss = PgBoss();
  const boss = new Boss({ connectionString: opts.db }); // defaults (maintenance, cron, polling)
  reportErrors(boss);
  let stopping = false;
  let stopped;
  const stoppedPromise = new Promise((resolve) => { stopped = resolve; });
  boss.on('stopped', () => stopped());
  common.onTermination(async () => {
    stopping = true;
    // Stop polling, wait for running jobs (at most 8 s, within the 10 s of
    // the contract), then close.
    await boss.stop({ graceful: true, wait: true, timeout: 8000 });
  }, 9500, `${PEER} runner work`);

  await boss.start();

  // The handler gets an array (1 job with the default batchSize); pg-boss
  // completes all of them with one complete() when the returned promise
  // resolves.
  const handler = (jobs) =>
    Promise.all(jobs.map((job) => limit(() => common.runBenchJob(fd, workerId, job.data.key, job.data.ms | 0))));
  for (let i = 0; i < opts.concurrency; i++) {
    await boss.work(QUEUE, workOptions, handler);
  }
  common.printReady();
  await stoppedPromise;
  if (!stopping) {
    throw new Error('pg-boss stopped without SIGTERM');
  }
  await new Promise(() => {});
}

async function probe(opts) {
  const boss = await startClient(opts.db, false); // connects (and checks the schema) first
  try {
    await common.runProbe(opts, (key) => boss.send(QUEUE, { key, ms: 0 }));
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

common.runMain(PEER, Object.keys(VARIANTS), { setup, enqueue, work, probe });
