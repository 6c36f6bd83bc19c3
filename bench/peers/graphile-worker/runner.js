'use strict';
// graphile-worker peer of `cohort-bench --peers`; contract: bench/peers/README.md.
// Run through ./runner, which sets NODE_PATH to the modules that ./install built.

const path = require('node:path');
const { EventEmitter } = require('node:events');
const common = require(path.join(__dirname, '..', 'node', 'common.js'));

const PEER = 'graphile-worker';
const TASK = 'bench';
const SCHEMA = 'graphile_worker'; // the library's default schema, named so that an
// environment variable (GRAPHILE_WORKER_SCHEMA) cannot move it away from peer.json's SQL
const ENQUEUE_BATCH = 4000; // jobs per addJobs() call (one transaction each)

// Options of each variant on top of the library's defaults (see peer.json).
const VARIANTS = {
  default: null,
  batched: {
    worker: {
      localQueue: { size: 500 },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
    },
  },
};

function gw() {
  return require('graphile-worker');
}

// Library log messages: errors and warnings to stderr, the rest dropped (stdout
// carries only `ready`).
function makeLogger() {
  const { Logger } = gw();
  return new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') {
      process.stderr.write(`${PEER} ${level}: ${message}\n`);
    }
  });
}

function baseOptions(db) {
  return { connectionString: db, schema: SCHEMA, logger: makeLogger() };
}

async function setup(opts) {
  await gw().runMigrations(baseOptions(opts.db));
}

async function enqueue(opts) {
  const utils = await gw().makeWorkerUtils(baseOptions(opts.db));
  try {
    for (let done = 0; done < opts.count; done += ENQUEUE_BATCH) {
      const n = Math.min(ENQUEUE_BATCH, opts.count - done);
      const specs = new Array(n);
      for (let i = 0; i < n; i++) {
        specs[i] = { identifier: TASK, payload: { key: opts.first + done + i, ms: opts['job-ms'] } };
      }
      await utils.addJobs(specs);
    }
  } finally {
    await utils.release();
  }
}

async function work(opts) {
  const fd = common.openLog(opts.log);
  const workerId = opts.worker;
  const events = new EventEmitter();
  let listening = false;
  let started = false;
  let readyPrinted = false;
  const maybeReady = () => {
    if (listening && started && !readyPrinted) {
      readyPrinted = true;
      common.printReady();
    }
  };
  events.on('pool:listen:success', () => {
    listening = true;
    maybeReady();
  });

  const taskList = {
    [TASK]: async (payload) => {
      await common.runBenchJob(fd, workerId, payload.key, payload.ms | 0);
    },
  };
  // The pool is the one graphile-worker would make for itself (pg.Pool, max =
  // maxPoolSize's default 10), made here so that it outlives runner.stop():
  // in 0.17.3 the completion of a job that ends during the graceful shutdown
  // is sent without being awaited, and the runner's own pool.end() can drop
  // it, leaving the job locked for 4 hours (seen in testing). We end the pool
  // only once it has no query left.
  const { Pool } = require('pg');
  const pool = new Pool({ connectionString: opts.db, max: 10 });
  pool.on('error', (err) => process.stderr.write(`${PEER} error: idle client: ${err.message}\n`));
  pool.on('connect', (client) => client.on('error', (err) => process.stderr.write(`${PEER} error: client: ${err.message}\n`)));
  const options = {
    schema: SCHEMA,
    logger: makeLogger(),
    pgPool: pool,
    concurrency: opts.concurrency,
    noHandleSignals: true,
    taskList,
    events,
  };
  if (VARIANTS[opts.variant]) {
    options.preset = VARIANTS[opts.variant];
  }

  let stopping = false;
  // No cron: an empty list of cron items (no crontab file is read).
  const runner = await gw().run(options, undefined, []);
  common.onTermination(async () => {
    stopping = true;
    await runner.stop();
    await endPoolWhenIdle(pool, 3000);
  }, 9500, `${PEER} runner work`);
  started = true;
  maybeReady();
  await runner.promise;
  if (!stopping) {
    throw new Error('the worker pool stopped without SIGTERM');
  }
  // SIGTERM: onTermination exits once runner.stop() has resolved.
  await new Promise(() => {});
}

// Waits until no client of `pool` is checked out or awaited (at most
// limitMs), then ends it.
async function endPoolWhenIdle(pool, limitMs) {
  const deadline = Date.now() + limitMs;
  while ((pool.totalCount > pool.idleCount || pool.waitingCount > 0) && Date.now() < deadline) {
    await common.sleep(5);
  }
  await pool.end();
}

async function probe(opts) {
  const utils = await gw().makeWorkerUtils(baseOptions(opts.db));
  try {
    await utils.withPgClient((client) => client.query('select 1')); // connect first
    await common.runProbe(opts, (key) => utils.addJob(TASK, { key, ms: 0 }));
  } finally {
    await utils.release();
  }
}

common.runMain(PEER, Object.keys(VARIANTS), { setup, enqueue, work, probe });
