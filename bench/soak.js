'use strict';
// npm run soak [-- --short] [-- --duration=300] [-- --clients=16]
//
// An operator's soak with faults: N production instances built from the working tree, on the
// PostgreSQL server (a fresh database of its own, dropped at the end) and Redis, each instance
// reaching PostgreSQL through a TCP proxy of its own and Redis through another (in a process of
// their own, bench/soak-proxy.js), so that the database and Redis can be cut without touching the
// machine's real servers, which other programs share. Contract-following clients log in, call
// the API, refresh on `401 token_expired` and log out, while revocation probes log out on one
// instance and time how long the other still accepts the token. Faults at set times: an
// instance killed with SIGKILL and restarted, the database cut, Redis cut, SIGTERM under load and
// a restart. It prints a per-10-second table and a timeline, checks the promises below and exits
// 0 only when every one holds:
//   - no 500 (no 5xx other than 503);
//   - 503 only inside a database cut, plus a short grace after it;
//   - no client forced to log in again (a refresh fails only with a fault's 503 or a lost
//     connection, and is retried);
//   - every revocation in force on the other instance within 1 s of the 204;
//   - every instance ready, and a request succeeding on each, within 10 s of each fault's end;
//   - RSS growth of every instance process bounded.
// Loopback only; every loop is bounded in time and count; children, proxies and the database are
// cleaned up on any exit, Ctrl-C included.
// Environment: SOAK_POSTGRES_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// SOAK_REDIS_URL (default redis://127.0.0.1:6379).
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
const ADMIN_URL =
  process.env.SOAK_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.SOAK_REDIS_URL ?? 'redis://127.0.0.1:6379';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

const USAGE = `usage: npm run soak [-- --short] [-- --duration=SECONDS] [-- --clients=N]
  --duration=S  how long the workload runs (default 300, at least 60); faults at fixed fractions
  --short       about 60 s, faults compressed (5 s cuts): for CI
  --clients=N   concurrent API clients (default 16), besides the revocation probes
  --instances=N instances (default 2, at least 2)`;

// ---------------------------------------------------------------------------------------------
// Options and plan

function parseArgs(argv) {
  const options = { duration: 300, short: false, clients: 16, instances: 2 };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const [flag, inline] = arg.split('=');
    const value = () => Number(inline ?? argv[++i]);
    if (flag === '--short') options.short = true;
    else if (flag === '--duration') options.duration = value();
    else if (flag === '--clients') options.clients = value();
    else if (flag === '--instances') options.instances = value();
    else if (flag === '--help' || flag === '-h') usage();
    else usage(`unknown argument: ${arg}`);
  }
  if (options.short) options.duration = 60;
  if (!(options.duration >= 60 && options.duration <= 3600)) usage('--duration: 60 to 3600');
  if (!(options.clients >= 1 && options.clients <= 200)) usage('--clients: 1 to 200');
  if (!(options.instances >= 2 && options.instances <= 8)) usage('--instances: 2 to 8');
  return options;
}

function usage(problem) {
  if (problem) console.error(problem);
  console.error(USAGE);
  process.exit(problem ? 2 : 0);
}

const options = parseArgs(process.argv.slice(2));
const DURATION_MS = options.duration * 1000;
const CUT_MS = options.short ? 5_000 : 10_000;
/** 503s this long after a database cut ends are still the cut's. */
const GRACE_503_MS = 3_000;
const RECOVERY_LIMIT_MS = 10_000;
const REVOCATION_LIMIT_MS = 1_000;
/** RSS may grow this much from a process's first sample after warm-up to its last. */
const RSS_GROWTH_LIMIT = { ratio: 0.5, bytes: 64 * 1024 * 1024 };
const RSS_WARMUP_MS = options.short ? 5_000 : 20_000;
const REQUEST_TIMEOUT_MS = 5_000;
/** A ceiling on requests, whatever happens to the clock. */
const MAX_REQUESTS = 2_000_000;

/** Fault start times as fractions of the run; the last fault ends well before the end. */
const FAULTS = [
  { at: 0.12, kind: 'kill-9', instance: 1 },
  { at: 0.32, kind: 'database-cut' },
  { at: 0.55, kind: 'redis-cut' },
  { at: 0.75, kind: 'sigterm', instance: 0 },
];

// ---------------------------------------------------------------------------------------------
// State, logging, cleanup

const started = Date.now();
const elapsed = (at = Date.now()) => at - started;
const seconds = (ms) => (ms / 1000).toFixed(1);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const sinceRun = () => Date.now() - runStartedAt;
const log = (message) => console.log(`[${seconds(elapsed()).padStart(6)} s] ${message}`);

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'nest-jwt-auth-soak-'));
const instances = [];
let proxyProcess;
let databaseName;
let cleaning;
let runStartedAt;
let stopping = false;
let requestCount = 0;

function cleanup() {
  cleaning ??= (async () => {
    stopping = true;
    for (const instance of instances) {
      if (instance.child && instance.child.exitCode === null && instance.child.signalCode === null)
        instance.child.kill('SIGKILL');
    }
    if (proxyProcess && proxyProcess.exitCode === null) proxyProcess.kill('SIGKILL');
    if (databaseName) {
      const admin = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 5_000 });
      try {
        await admin.connect();
        await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      } catch (error) {
        console.error(`could not drop database ${databaseName}: ${error.message}`);
      } finally {
        await admin.end().catch(() => undefined);
      }
    }
  })();
  return cleaning;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping, cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}
process.on('exit', () => {
  // Last resort, synchronous: no child outlives the soak.
  for (const instance of instances) instance.child?.kill('SIGKILL');
  proxyProcess?.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------
// Services

function assertLoopback(url) {
  const host = new URL(url).hostname;
  if (!LOOPBACK.has(host)) throw new Error(`the soak only targets loopback, not ${host}`);
}

async function createDatabase() {
  const admin = new Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 2_000 });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`no PostgreSQL server at ${redact(ADMIN_URL)} (${error.message})`);
  }
  databaseName = `auth_soak_${Date.now()}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${databaseName}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${databaseName}`;
  return url;
}

function redact(url) {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

function redisAnswers(url) {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port || 6379), hostname);
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}

/** Starts the proxy process: one proxy per instance for PostgreSQL, one for Redis. */
async function startProxies(databaseUrl) {
  const redis = new URL(REDIS_URL);
  const targets = instances.map(
    (_, i) => `db${i}=${databaseUrl.hostname}:${databaseUrl.port || 5432}`,
  );
  targets.push(`redis=${redis.hostname}:${redis.port || 6379}`);
  proxyProcess = spawn(process.execPath, [path.join(__dirname, 'soak-proxy.js'), ...targets], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise((resolve, reject) => {
    proxyProcess.once('message', (message) => resolve(message.ports));
    proxyProcess.once('exit', () => reject(new Error('the proxy process exited')));
  });
  let nextId = 0;
  const pending = new Map();
  proxyProcess.on('message', (message) => {
    if (message.type === 'done') pending.get(message.id)?.();
  });
  const command = (type, name) =>
    new Promise((resolve) => {
      const id = (nextId += 1);
      pending.set(id, resolve);
      proxyProcess.send({ type, name, id });
    });
  return { ports, command };
}

function build() {
  log('building (nest build)');
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    { cwd: ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) throw new Error('nest build failed');
}

function startInstance(instance) {
  const logFile = fs.openSync(instance.logPath, 'a');
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { ...instance.env, PORT: String(instance.port), HOST: '127.0.0.1' },
    stdio: ['ignore', logFile, logFile],
  });
  fs.closeSync(logFile);
  instance.child = child;
  instance.processes.push({ pid: child.pid, startedAt: Date.now(), rss: [] });
  instance.exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
}

async function waitReady(instance, withinMs) {
  const since = Date.now();
  while (Date.now() - since < withinMs) {
    if (instance.child.exitCode !== null) throw new Error(`instance ${instance.index} exited`);
    try {
      const response = await fetch(`${instance.url}/health/ready`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.status === 200) return Date.now() - since;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`instance ${instance.index} not ready within ${withinMs} ms`);
}

function readRss(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Recording

const buckets = [];
/** Database cut windows [from, to] in ms since the run started; `to` is open while cutting. */
const databaseCuts = [];
const timeline = [];
/** Problems no other check counts (an instance that did not exit cleanly on SIGTERM). */
const otherFailures = [];
const revocations = [];
const recoveries = [];
/** Per SIGTERM: requests in flight when it was sent, and how many got no answer. */
const drains = [];
const unexpected503 = [];
const server5xx = [];
let forcedLogins = 0;
/** The account whose logins are in flight when SIGTERM is sent. */
const drainUser = {
  email: `soak-drain-${randomBytes(4).toString('hex')}@example.com`,
  password: `soak-password-${randomBytes(6).toString('hex')}`,
};

function bucket(at = Date.now()) {
  const index = Math.max(0, Math.floor((at - runStartedAt) / 10_000));
  while (buckets.length <= index) {
    buckets.push({ requests: 0, ok: 0, s401: 0, s429: 0, s503: 0, s5xx: 0, other: 0, network: 0 });
  }
  return buckets[index];
}

function inDatabaseCut(at) {
  const t = at - runStartedAt;
  return databaseCuts.some(([from, to]) => t >= from && t <= (to ?? Infinity) + GRACE_503_MS);
}

function fail(message, other = false) {
  if (other) otherFailures.push(message);
  log(`FAIL ${message}`);
}

/**
 * One HTTP call; records its status. Resolves with { status, body } or { status: 0 } for a lost
 * connection (an instance that is down), never throws.
 */
async function call(instance, method, route, { token, body } = {}) {
  if (requestCount >= MAX_REQUESTS) return { status: 0, capped: true };
  requestCount += 1;
  const sentAt = Date.now();
  const counts = bucket(sentAt);
  counts.requests += 1;
  const flight = { status: undefined };
  instance.inflight.add(flight);
  try {
    const response = await fetch(`${instance.url}${route}`, {
      method,
      headers: {
        ...(body ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        'User-Agent': 'nest-jwt-auth-soak',
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const status = response.status;
    if (status < 300) counts.ok += 1;
    else if (status === 401) counts.s401 += 1;
    else if (status === 429) counts.s429 += 1;
    else if (status === 503) {
      counts.s503 += 1;
      if (!inDatabaseCut(sentAt) && !inDatabaseCut(Date.now())) {
        unexpected503.push(
          `${seconds(sentAt - runStartedAt)} s ${method} ${route} on #${instance.index}`,
        );
      }
    } else if (status >= 500) {
      counts.s5xx += 1;
      server5xx.push(
        `${seconds(sentAt - runStartedAt)} s ${method} ${route} on #${instance.index}: ${status}`,
      );
    } else counts.other += 1;
    flight.status = status;
    let parsed;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status, body: parsed };
  } catch {
    counts.network += 1;
    flight.status = 0;
    return { status: 0 };
  } finally {
    instance.inflight.delete(flight);
    flight.settled?.();
  }
}

// ---------------------------------------------------------------------------------------------
// Workload

const running = () => !stopping && Date.now() < runStartedAt + DURATION_MS;
const pick = () => instances[Math.floor(Math.random() * instances.length)];
const other = (instance) => instances[(instance.index + 1) % instances.length];
const think = () => sleep(60 + Math.random() * 120);

/**
 * A client that follows the contract: on 401 token_expired it refreshes (retrying a refresh that
 * met a 503 or a lost connection, on any instance, within the reuse grace); it logs out now and
 * then and logs in again. A 401 it did not cause is a forced login, counted as a failure.
 */
async function apiClient(id) {
  const email = `soak-${id}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `soak-password-${randomBytes(6).toString('hex')}`;
  let tokens;
  let registered = false;
  while (running()) {
    if (!registered) {
      const response = await call(pick(), 'POST', '/auth/register', {
        body: { email, password },
      });
      if (response.status === 201 || response.status === 409) registered = true;
      else await sleep(200);
      continue;
    }
    if (!tokens) {
      const response = await call(pick(), 'POST', '/auth/login', { body: { email, password } });
      if (response.status === 200) tokens = response.body;
      else if (response.status === 401) {
        fail(`client ${id}: login refused (${response.body?.code})`, true);
      } else await sleep(200);
      continue;
    }
    const roll = Math.random();
    if (roll < 0.02) {
      const response = await call(pick(), 'POST', '/auth/logout', { token: tokens.accessToken });
      if (response.status === 401 && response.body?.code === 'token_expired') {
        tokens = await refresh(id, tokens);
      } else {
        // 204, or a logout whose fate is unknown (a 503, a lost connection): the client drops
        // the session either way and logs in again, its own choice.
        tokens = undefined;
      }
      await think();
      continue;
    }
    const route = roll < 0.6 ? '/products?limit=10' : '/auth/me';
    const response = await call(pick(), 'GET', route, { token: tokens.accessToken });
    if (response.status === 401) {
      if (response.body?.code === 'token_expired') tokens = await refresh(id, tokens);
      else {
        forcedLogins += 1;
        fail(`client ${id}: ${route} answered 401 ${response.body?.code} to a live session`);
        tokens = undefined;
      }
    }
    await think();
  }
}

/** Refreshes until it succeeds or the run ends; only a fault's 503 or lost connection is retried. */
async function refresh(id, tokens) {
  const deadline = Date.now() + 60_000;
  while (running() && Date.now() < deadline) {
    const response = await call(pick(), 'POST', '/auth/refresh', {
      body: { refreshToken: tokens.refreshToken },
    });
    if (response.status === 200) return response.body;
    if (response.status === 503 || response.status === 0 || response.status === 429) {
      await sleep(150);
      continue;
    }
    forcedLogins += 1;
    fail(`client ${id}: refresh answered ${response.status} ${response.body?.code ?? ''}`);
    return undefined;
  }
  return running() ? undefined : tokens;
}

/**
 * Logs in on one instance, checks the other accepts the token, logs out on the first and asks
 * the other every 100 ms until it refuses the token: the delay from the 204 is recorded.
 */
async function revocationProbe(id) {
  const email = `soak-probe-${id}-${randomBytes(4).toString('hex')}@example.com`;
  const password = `soak-password-${randomBytes(6).toString('hex')}`;
  let registered = false;
  while (running()) {
    await sleep(1_000 + Math.random() * 1_000);
    if (!registered) {
      const response = await call(pick(), 'POST', '/auth/register', { body: { email, password } });
      registered = response.status === 201 || response.status === 409;
      continue;
    }
    const origin = pick();
    const target = other(origin);
    const login = await call(origin, 'POST', '/auth/login', { body: { email, password } });
    if (login.status !== 200) continue;
    const token = login.body.accessToken;
    const accepted = await call(target, 'GET', '/auth/token-info', { token });
    if (accepted.status !== 200) {
      // The target is down or restarting; the session is ended anyway, not measured.
      await call(origin, 'POST', '/auth/logout', { token });
      continue;
    }
    const logout = await call(origin, 'POST', '/auth/logout', { token });
    if (logout.status !== 204) continue; // not revoked (a fault): nothing to measure
    const revokedAt = Date.now();
    let delay;
    let targetDown = false;
    while (Date.now() - revokedAt < 30_000 && !stopping) {
      const check = await call(target, 'GET', '/auth/token-info', { token });
      if (check.status === 401) {
        delay = Date.now() - revokedAt;
        break;
      }
      if (check.status === 0) targetDown = true;
      await sleep(100);
    }
    const record = {
      at: revokedAt - runStartedAt,
      from: origin.index,
      to: target.index,
      delay,
      targetDown,
    };
    revocations.push(record);
    if (delay === undefined || (delay > REVOCATION_LIMIT_MS && !targetDown)) {
      fail(
        `revocation at ${seconds(record.at)} s on #${origin.index} in force on #${target.index} ` +
          `after ${delay === undefined ? '> 30 s' : `${delay} ms`}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Faults

/** Waits until every instance is ready and a guarded request succeeds on each. */
async function recovered(fault, endedAt) {
  const probeEmail = `soak-recovery-${randomBytes(4).toString('hex')}@example.com`;
  const password = `soak-password-${randomBytes(6).toString('hex')}`;
  const limit = endedAt + RECOVERY_LIMIT_MS + 20_000;
  let token;
  let readyAt;
  let okAt;
  while (Date.now() < limit && !stopping) {
    const ready = await Promise.all(
      instances.map((instance) => call(instance, 'GET', '/health/ready')),
    );
    if (ready.every((response) => response.status === 200)) {
      readyAt ??= Date.now();
      if (!token) {
        await call(instances[0], 'POST', '/auth/register', {
          body: { email: probeEmail, password },
        });
        const login = await call(instances[0], 'POST', '/auth/login', {
          body: { email: probeEmail, password },
        });
        token = login.status === 200 ? login.body.accessToken : undefined;
      }
      if (token) {
        const results = await Promise.all(
          instances.map((instance) => call(instance, 'GET', '/products?limit=1', { token })),
        );
        if (results.every((response) => response.status === 200)) {
          okAt = Date.now();
          break;
        }
      }
    }
    await sleep(200);
  }
  const record = {
    fault: fault.label,
    readyMs: readyAt ? Math.max(0, readyAt - endedAt) : undefined,
    okMs: okAt ? Math.max(0, okAt - endedAt) : undefined,
  };
  recoveries.push(record);
  if (record.okMs === undefined || record.okMs > RECOVERY_LIMIT_MS) {
    fail(`${fault.label}: not ready and serving within ${RECOVERY_LIMIT_MS / 1000} s of its end`);
  }
  log(
    `${fault.label}: ready after ${record.readyMs ?? '—'} ms, full success after ${record.okMs ?? '—'} ms`,
  );
}

async function runFault(fault, proxies) {
  const mark = (event) => {
    timeline.push({ at: sinceRun(), event });
    log(event);
  };
  if (fault.kind === 'kill-9' || fault.kind === 'sigterm') {
    const instance = instances[fault.instance];
    const signal = fault.kind === 'kill-9' ? 'SIGKILL' : 'SIGTERM';
    fault.label = `${fault.kind} #${instance.index}`;
    // Requests already sent when SIGTERM arrives must still be answered (graceful drain): a few
    // logins (bcrypt, tens of ms each) make sure some are in flight whatever the clients do.
    if (fault.kind === 'sigterm') {
      for (let i = 0; i < 4; i += 1)
        void call(instance, 'POST', '/auth/login', { body: drainUser });
      await sleep(15);
    }
    const inflight = [...instance.inflight].map(
      (flight) => new Promise((resolve) => (flight.settled = () => resolve(flight.status))),
    );
    mark(
      `${signal} to instance #${instance.index} (pid ${instance.child.pid}), ${inflight.length} requests in flight`,
    );
    instance.child.kill(signal);
    const { code, signal: by } = await instance.exited;
    if (fault.kind === 'sigterm') {
      const statuses = await Promise.all(inflight);
      drains.push({
        inflight: statuses.length,
        lost: statuses.filter((status) => status === 0 || status >= 500).length,
      });
      log(`SIGTERM: ${statuses.length} requests in flight, ${drains.at(-1).lost} lost`);
    }
    mark(`instance #${instance.index} exited (${by ?? `code ${code}`})`);
    if (fault.kind === 'sigterm' && code !== 0) {
      fail(`SIGTERM: instance exited with ${by ?? code}`, true);
    }
    if (stopping) return;
    startInstance(instance);
    mark(`instance #${instance.index} restarted (pid ${instance.child.pid})`);
    await recovered(fault, Date.now());
  } else {
    const names = fault.kind === 'database-cut' ? instances.map((_, i) => `db${i}`) : ['redis'];
    fault.label = `${fault.kind} ${CUT_MS / 1000} s`;
    if (fault.kind === 'database-cut') databaseCuts.push([sinceRun()]);
    await Promise.all(names.map((name) => proxies.command('cut', name)));
    mark(`${fault.kind}: proxies ${names.join(', ')} cut`);
    await sleep(CUT_MS);
    await Promise.all(names.map((name) => proxies.command('restore', name)));
    if (fault.kind === 'database-cut') {
      databaseCuts[databaseCuts.length - 1][1] = sinceRun();
    }
    mark(`${fault.kind}: restored`);
    await recovered(fault, Date.now());
  }
}

async function faultSchedule(proxies) {
  for (const fault of FAULTS) {
    const at = runStartedAt + fault.at * DURATION_MS;
    while (Date.now() < at && running()) await sleep(Math.min(250, at - Date.now()));
    if (!running()) return;
    await runFault(fault, proxies);
  }
}

async function sampleRss() {
  while (running()) {
    for (const instance of instances) {
      const proc = instance.processes[instance.processes.length - 1];
      const rss = readRss(proc.pid);
      if (rss !== undefined) proc.rss.push({ at: Date.now() - proc.startedAt, rss });
    }
    await sleep(options.short ? 2_000 : 5_000);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

function report() {
  console.log('\nPer 10 seconds (requests by outcome; "net" = connection lost or refused):');
  const header = [
    't (s)',
    'requests',
    '2xx',
    '401',
    '429',
    '503',
    'other 5xx',
    '4xx other',
    'net',
    'faults',
  ];
  console.log(header.map((h) => h.padStart(10)).join(''));
  buckets.forEach((b, i) => {
    const faults = timeline
      .filter((entry) => Math.floor(entry.at / 10_000) === i)
      .map((entry) => entry.event.split(/[:(]/)[0].trim())
      .filter((value, index, all) => all.indexOf(value) === index)
      .join('; ');
    console.log(
      [
        `${i * 10}-${i * 10 + 10}`,
        b.requests,
        b.ok,
        b.s401,
        b.s429,
        b.s503,
        b.s5xx,
        b.other,
        b.network,
      ]
        .map((value) => String(value).padStart(10))
        .join('') + (faults ? `  ${faults}` : ''),
    );
  });

  console.log('\nTimeline of faults:');
  for (const entry of timeline) console.log(`  ${seconds(entry.at).padStart(6)} s  ${entry.event}`);

  console.log('\nRecovery after each fault (from its end):');
  for (const r of recoveries) {
    console.log(
      `  ${r.fault.padEnd(22)} ready ${String(r.readyMs ?? '—').padStart(6)} ms, full success ${String(r.okMs ?? '—').padStart(6)} ms`,
    );
  }

  const measured = revocations.filter((r) => r.delay !== undefined);
  const delays = measured.map((r) => r.delay).sort((x, y) => x - y);
  const quantile = (q) =>
    delays.length ? delays[Math.min(delays.length - 1, Math.floor(q * delays.length))] : '—';
  console.log(
    `\nRevocation probes: ${revocations.length} logouts, in force on the other instance after ` +
      `median ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms, max ${delays.length ? delays[delays.length - 1] : '—'} ms`,
  );
  const afterCut = revocations.filter((r) =>
    databaseCuts.some(([, to]) => to !== undefined && r.at >= to && r.at <= to + 10_000),
  );
  if (afterCut.length) {
    console.log(
      `  within 10 s after a database cut: ${afterCut.map((r) => `${r.delay} ms`).join(', ')}`,
    );
  }

  console.log('\nRSS per instance process (first sample after warm-up → last):');
  const rssProblems = [];
  for (const instance of instances) {
    for (const proc of instance.processes) {
      const warm = proc.rss.filter((sample) => sample.at >= RSS_WARMUP_MS);
      if (warm.length < 2) {
        console.log(
          `  #${instance.index} pid ${proc.pid}: too short-lived to judge (${proc.rss.length} samples)`,
        );
        continue;
      }
      const first = warm[0].rss;
      const last = warm[warm.length - 1].rss;
      const max = Math.max(...warm.map((sample) => sample.rss));
      const allowed = Math.max(first * RSS_GROWTH_LIMIT.ratio, RSS_GROWTH_LIMIT.bytes);
      const ok = last - first <= allowed;
      console.log(
        `  #${instance.index} pid ${proc.pid}: ${mib(first)} → ${mib(last)} (max ${mib(max)}, ` +
          `${warm.length} samples over ${seconds(warm[warm.length - 1].at - warm[0].at)} s) ${ok ? 'ok' : 'TOO MUCH'}`,
      );
      if (!ok) rssProblems.push(`#${instance.index} pid ${proc.pid}`);
    }
  }

  const total = buckets.reduce((sum, b) => sum + b.requests, 0);
  const checks = [
    [
      'no 500 (no 5xx but 503)',
      server5xx.length === 0,
      `${server5xx.length} seen${server5xx.length ? `: ${server5xx.slice(0, 5).join('; ')}` : ''}`,
    ],
    [
      '503 only inside a database cut (+3 s)',
      unexpected503.length === 0,
      `${unexpected503.length} outside${unexpected503.length ? `: ${unexpected503.slice(0, 5).join('; ')}` : ''}`,
    ],
    ['no client forced to log in again', forcedLogins === 0, `${forcedLogins} forced`],
    [
      'every revocation in force everywhere within 1 s',
      measured.length > 0 &&
        measured.every((r) => r.delay <= REVOCATION_LIMIT_MS || r.targetDown) &&
        measured.length === revocations.length,
      `${measured.filter((r) => r.delay <= REVOCATION_LIMIT_MS).length}/${revocations.length} within 1 s`,
    ],
    [
      'ready and serving within 10 s of each fault',
      recoveries.length === FAULTS.length &&
        recoveries.every((r) => r.okMs !== undefined && r.okMs <= RECOVERY_LIMIT_MS),
      `${recoveries.length}/${FAULTS.length} faults recovered, worst ${Math.max(0, ...recoveries.map((r) => r.okMs ?? Infinity))} ms`,
    ],
    [
      'SIGTERM answers the requests in flight',
      drains.length > 0 && drains.every((d) => d.inflight > 0 && d.lost === 0),
      drains.map((d) => `${d.inflight - d.lost}/${d.inflight} answered`).join(', ') || 'no SIGTERM',
    ],
    [
      'RSS growth bounded (≤ max(50 %, 64 MiB))',
      rssProblems.length === 0,
      rssProblems.join(', ') || 'ok',
    ],
    [
      'no other failure (clean SIGTERM exit, logins)',
      otherFailures.length === 0,
      otherFailures.join('; ') || 'none',
    ],
  ];
  console.log(
    `\n${total} requests in ${seconds(Date.now() - runStartedAt)} s, ${options.clients} clients, ${instances.length} instances`,
  );
  console.log('Checks:');
  for (const [name, ok, detail] of checks)
    console.log(`  ${ok ? 'PASS' : 'FAIL'}  ${name}: ${detail}`);
  return checks.every(([, ok]) => ok);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  assertLoopback(ADMIN_URL);
  assertLoopback(REDIS_URL);
  if (!(await redisAnswers(REDIS_URL))) throw new Error(`no Redis at ${redact(REDIS_URL)}`);
  const databaseUrl = await createDatabase();
  log(`database ${databaseName} created; logs in ${scratch}`);
  build();

  const secret = randomBytes(48).toString('base64url');
  const dataKey = randomBytes(32).toString('hex');
  for (let index = 0; index < options.instances; index += 1) {
    instances.push({
      index,
      processes: [],
      inflight: new Set(),
      logPath: path.join(scratch, `instance-${index}.log`),
    });
  }
  const proxies = await startProxies(databaseUrl);
  for (const instance of instances) {
    const port = await freePort();
    const dbUrl = new URL(databaseUrl);
    dbUrl.hostname = '127.0.0.1';
    dbUrl.port = String(proxies.ports[`db${instance.index}`]);
    instance.port = port;
    instance.url = `http://127.0.0.1:${port}`;
    instance.env = {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: dbUrl.toString(),
      REDIS_URL: `redis://127.0.0.1:${proxies.ports.redis}`,
      JWT_SECRET: secret,
      DATA_ENCRYPTION_KEY: dataKey,
      JWT_ACCESS_TTL: '10s',
      BCRYPT_COST: '10',
      RATE_LIMIT_AUTH_IP: '1000000',
      LOG_LEVEL: 'warn',
    };
    // One at a time: the first runs the migrations on the fresh database.
    startInstance(instance);
    await waitReady(instance, 60_000);
    log(`instance #${instance.index} ready on ${instance.url} (pid ${instance.child.pid})`);
  }

  runStartedAt = Date.now();
  const registered = await call(instances[0], 'POST', '/auth/register', { body: drainUser });
  if (registered.status !== 201) throw new Error(`register answered ${registered.status}`);
  log(`workload for ${options.duration} s: ${options.clients} clients, 2 revocation probes`);
  const workers = [];
  for (let id = 0; id < options.clients; id += 1) workers.push(apiClient(id));
  for (let id = 0; id < 2; id += 1) workers.push(revocationProbe(id));
  workers.push(sampleRss());
  const faults = faultSchedule(proxies);
  await Promise.all(workers);
  stopping = true;
  await faults;
  return report();
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// The whole run is bounded: past this the soak gives up, cleans up and fails.
const watchdog = setTimeout(() => {
  console.error('soak: over its time limit; stopping');
  void cleanup().finally(() => process.exit(1));
}, DURATION_MS + 180_000);
watchdog.unref();

main()
  .then(async (passed) => {
    await cleanup();
    console.log(passed ? '\nsoak: PASS' : `\nsoak: FAIL (instance logs kept in ${scratch})`);
    if (passed) fs.rmSync(scratch, { recursive: true, force: true });
    process.exit(passed ? 0 : 1);
  })
  .catch(async (error) => {
    console.error(`soak: ${error.message} (instance logs in ${scratch})`);
    await cleanup();
    process.exit(1);
  });
