'use strict';
// Shared helpers for the Node.js peers (graphile-worker, pg-boss) of
// `cohort-bench --peers`. The contract is bench/peers/README.md.
//
// - parseCommand(): the runner's command line (commands and options of the
//   contract; anything else is a usage error, exit code 2).
// - nowMicros(): microseconds since the Unix epoch.
// - openLog()/writeLine(): the shared O_APPEND log, one write(2) per line.
// - LogWatcher: the probe's wait for a `S KEY ...` line.
// - runMain(): runs a command, turning errors into one line on stderr.

const fs = require('node:fs');
const { performance } = require('node:perf_hooks');

const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

class UsageError extends Error {}

// Options of each command: kind, and whether it is required (else default).
const INT = 'int';
const POS = 'positive-int';
const STR = 'string';
const DB = 'db';
const COMMANDS = {
  setup: {
    db: { kind: DB, required: true },
  },
  enqueue: {
    db: { kind: DB, required: true },
    count: { kind: INT, required: true },
    first: { kind: INT, default: 0 },
    'job-ms': { kind: INT, default: 0 },
  },
  work: {
    db: { kind: DB, required: true },
    log: { kind: STR, required: true },
    worker: { kind: STR, required: true },
    concurrency: { kind: POS, required: true },
    variant: { kind: STR, required: true },
  },
  probe: {
    db: { kind: DB, required: true },
    log: { kind: STR, required: true },
    count: { kind: INT, required: true },
    'gap-ms': { kind: INT, required: true },
    first: { kind: INT, required: true },
  },
};

function parseValue(name, kind, text) {
  if (kind === INT || kind === POS) {
    if (!/^[0-9]+$/.test(text)) {
      throw new UsageError(`--${name} must be a non-negative integer, not '${text}'`);
    }
    const n = Number(text);
    if (!Number.isSafeInteger(n)) {
      throw new UsageError(`--${name} is too large: '${text}'`);
    }
    if (kind === POS && n < 1) {
      throw new UsageError(`--${name} must be at least 1, not '${text}'`);
    }
    return n;
  }
  if (text === '') {
    throw new UsageError(`--${name} must not be empty`);
  }
  if (kind === DB) {
    if (/^sqlite:/.test(text)) {
      throw new UsageError(`--db ${text}: this peer supports only PostgreSQL (postgresql://USER@HOST:PORT/DATABASE)`);
    }
    if (!/^postgres(ql)?:\/\/[^/]+\/[^/?#]+/.test(text)) {
      throw new UsageError(`--db must be postgresql://USER@HOST:PORT/DATABASE, not '${text}'`);
    }
  }
  return text;
}

// Parses `COMMAND --opt value ...` (also `--opt=value`). `variants`, when
// given, is the list of valid --variant values. Returns { command, opts } with
// option names as given (e.g. opts['job-ms']). Throws UsageError.
function parseCommand(argv, variants) {
  const usage = `usage: runner {${Object.keys(COMMANDS).join('|')}} --db DB [options] (see bench/peers/README.md)`;
  if (argv.length === 0) {
    throw new UsageError(`missing command; ${usage}`);
  }
  const command = argv[0];
  const spec = Object.prototype.hasOwnProperty.call(COMMANDS, command) ? COMMANDS[command] : null;
  if (!spec) {
    throw new UsageError(`unknown command '${command}'; ${usage}`);
  }
  const opts = {};
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      throw new UsageError(`${command}: unexpected argument '${arg}'`);
    }
    let name = arg.slice(2);
    let value;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    if (!Object.prototype.hasOwnProperty.call(spec, name)) {
      throw new UsageError(`${command}: unknown option '--${name}' (known: ${Object.keys(spec).map((k) => '--' + k).join(' ')})`);
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) {
        throw new UsageError(`${command}: option '--${name}' needs a value`);
      }
      value = argv[++i];
    }
    if (Object.prototype.hasOwnProperty.call(opts, name)) {
      throw new UsageError(`${command}: option '--${name}' given twice`);
    }
    opts[name] = parseValue(name, spec[name].kind, value);
  }
  for (const [name, o] of Object.entries(spec)) {
    if (!Object.prototype.hasOwnProperty.call(opts, name)) {
      if (o.required) {
        throw new UsageError(`${command}: missing required option '--${name}'`);
      }
      opts[name] = o.default;
    }
  }
  if (command === 'work' && variants && !variants.includes(opts.variant)) {
    throw new UsageError(`work: unknown variant '${opts.variant}' (known: ${variants.join(', ')})`);
  }
  if (command === 'work' && /\s/.test(opts.worker)) {
    throw new UsageError(`work: --worker must not contain white space: '${opts.worker}'`);
  }
  return { command, opts };
}

// Microseconds since the Unix epoch: the wall-clock origin of this process
// (sub-millisecond) plus the monotonic high-resolution time since then.
function nowMicros() {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

// Opens FILE for appending (O_WRONLY|O_APPEND|O_CREAT).
function openLog(path) {
  return fs.openSync(path, 'a');
}

// Appends one line with a single write(2).
function writeLine(fd, line) {
  const buf = Buffer.from(line + '\n', 'utf8');
  const n = fs.writeSync(fd, buf, 0, buf.length);
  if (n !== buf.length) {
    throw new Error(`short write to the log (${n} of ${buf.length} bytes)`);
  }
}

// Writes the job's start and end lines around an optional non-blocking sleep.
async function runBenchJob(fd, workerId, key, ms) {
  writeLine(fd, `S ${key} ${nowMicros()} ${workerId}`);
  if (ms > 0) {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
  writeLine(fd, `E ${key} ${nowMicros()} ${workerId}`);
}

// Reads the log from a given offset and remembers the keys of `S` lines.
class LogWatcher {
  constructor(path) {
    this.fd = fs.openSync(path, 'r');
    this.offset = fs.fstatSync(this.fd).size; // only lines appended from now on
    this.partial = '';
    this.started = new Set();
    this.buf = Buffer.alloc(1 << 16);
    this.sleeper = new Int32Array(new SharedArrayBuffer(4));
  }

  poll() {
    for (;;) {
      const n = fs.readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      if (n <= 0) return;
      this.offset += n;
      const text = this.partial + this.buf.toString('utf8', 0, n);
      const lines = text.split('\n');
      this.partial = lines.pop();
      for (const line of lines) {
        if (line.startsWith('S ')) {
          const sp = line.indexOf(' ', 2);
          this.started.add(sp < 0 ? line.slice(2) : line.slice(2, sp));
        }
      }
    }
  }

  // Waits until `S KEY ...` has appeared, polling every 0.2 ms (the thread
  // sleeps in between); yields to the event loop every ~10 ms so that the
  // peer's connections stay serviced. Throws after timeoutMs.
  async waitForStart(key, timeoutMs) {
    const k = String(key);
    const deadline = Date.now() + timeoutMs;
    let nextYield = Date.now() + 10;
    for (;;) {
      this.poll();
      if (this.started.has(k)) return;
      const now = Date.now();
      if (now > deadline) {
        throw new Error(`probe: no 'S ${k}' line in the log after ${timeoutMs} ms`);
      }
      if (now >= nextYield) {
        await new Promise((resolve) => setImmediate(resolve));
        nextYield = Date.now() + 10;
      } else {
        Atomics.wait(this.sleeper, 0, 0, 0.2);
      }
    }
  }

  close() {
    fs.closeSync(this.fd);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The probe loop of the contract; `enqueueOne(key)` is the peer's single-job API.
async function runProbe(opts, enqueueOne) {
  const fd = openLog(opts.log);
  const watcher = new LogWatcher(opts.log);
  try {
    for (let i = 0; i < opts.count; i++) {
      const key = opts.first + i;
      await sleep(opts['gap-ms']);
      writeLine(fd, `Q ${key} ${nowMicros()} probe`);
      await enqueueOne(key);
      await watcher.waitForStart(key, 60000); // the contract: fail after 60 s
    }
  } finally {
    watcher.close();
    fs.closeSync(fd);
  }
}

// Prints `ready` (flushed: fs.writeSync on fd 1 is synchronous).
function printReady() {
  fs.writeSync(1, 'ready\n');
}

function oneLine(err) {
  const msg = err && err.message ? err.message : String(err);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}

function die(prefix, err, code) {
  try {
    fs.writeSync(2, `${prefix}: ${oneLine(err)}\n`);
  } catch (_) {
    // nothing left to do
  }
  process.exit(code);
}

// Runs `commands[command](opts)`; exits 0 when it resolves, 2 on a usage
// error, 1 on any other error, each time with one line on stderr.
function runMain(peerName, variants, commands) {
  const prefix = `${peerName} runner`;
  let parsed;
  try {
    parsed = parseCommand(process.argv.slice(2), variants);
  } catch (err) {
    die(prefix, err, err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE);
    return;
  }
  process.on('unhandledRejection', (err) => die(`${prefix} ${parsed.command}`, err, EXIT_FAILURE));
  process.on('uncaughtException', (err) => die(`${prefix} ${parsed.command}`, err, EXIT_FAILURE));
  Promise.resolve()
    .then(() => commands[parsed.command](parsed.opts))
    .then(
      () => process.exit(0),
      (err) => die(`${prefix} ${parsed.command}`, err, err instanceof UsageError ? EXIT_USAGE : EXIT_FAILURE),
    );
}

// Installs a SIGTERM/SIGINT handler that calls `stop()` once, then exits 0;
// exits 1 if stopping fails or takes longer than `limitMs`.
function onTermination(stop, limitMs, prefix) {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    const timer = setTimeout(() => die(prefix, new Error(`graceful stop took longer than ${limitMs} ms`), EXIT_FAILURE), limitMs);
    Promise.resolve()
      .then(stop)
      .then(
        () => {
          clearTimeout(timer);
          process.exit(0);
        },
        (err) => die(prefix, err, EXIT_FAILURE),
      );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

module.exports = {
  UsageError,
  parseCommand,
  nowMicros,
  openLog,
  writeLine,
  runBenchJob,
  LogWatcher,
  runProbe,
  printReady,
  runMain,
  onTermination,
  sleep,
};
