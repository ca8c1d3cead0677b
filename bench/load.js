'use strict';
// The load generator: one autocannon run in a process of its own (run.js pins it to a core the
// server does not use). `node bench/load.js '<json spec>'` prints one JSON line of results.
//
// Spec: { url, kind: 'get' | 'refresh' | 'login', path, method?, headers?, body?, connections,
//         duration, warmup?, timeout?, expect: [status…], refreshTokens? (kind 'refresh'),
//         serverPid?, dbPid? (embedded) or dbName? (server), clockTicks? (CPU times from /proc) }
//
// Latency percentiles are computed here from every response's own duration (a float in ms)
// rather than from autocannon's histogram, which keeps whole milliseconds only: sub-millisecond
// medians are the point of this bench.
const fs = require('node:fs');
const autocannon = require('autocannon');
const { machineCpuSeconds, processCpuSeconds } = require('./proc-stat');

/**
 * CPU seconds per process of the database: the embedded one's process, or the PostgreSQL
 * server's own processes (postmaster, writers) and the backends serving our database — not
 * other databases' backends, which are other programs' work.
 */
function databaseCpuSeconds(spec, clockTicks) {
  const byPid = new Map();
  let entries;
  try {
    entries = spec.dbPid ? [String(spec.dbPid)] : fs.readdirSync('/proc');
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!spec.dbPid) {
        if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== 'postgres') continue;
        const title = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
        // Backends are titled "postgres: [cluster: ]user database host(port) state".
        const backend = / \d+\.\d+\.\d+\.\d+\(\d+\)| \[local\]/.test(title);
        if (backend && !title.includes(` ${spec.dbName} `)) continue;
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      byPid.set(entry, (Number(fields[11]) + Number(fields[12])) / clockTicks);
    } catch {
      // the process ended meanwhile
    }
  }
  return byPid;
}

/** Everyone's CPU time at one instant, to tell the server's share from the rest of the machine's. */
function cpuSnapshot(spec) {
  const ticks = spec.clockTicks ?? 100;
  const own = process.cpuUsage();
  return {
    server: spec.serverPid ? processCpuSeconds(spec.serverPid, ticks) : null,
    database: databaseCpuSeconds(spec, ticks),
    machine: machineCpuSeconds(ticks),
    own: (own.user + own.system) / 1e6,
    at: Number(process.hrtime.bigint()) / 1e9,
  };
}

function cpuShares(before, after, responses) {
  const seconds = after.at - before.at;
  const delta = (key) =>
    before[key] === null || after[key] === null ? null : after[key] - before[key];
  const server = delta('server');
  // Per process: a backend that ended meanwhile must not subtract its whole life's CPU.
  let database = null;
  if (before.database && after.database) {
    database = 0;
    for (const [pid, seconds] of after.database)
      database += Math.max(0, seconds - (before.database.get(pid) ?? 0));
  }
  const machine = delta('machine');
  const own = delta('own');
  const other =
    machine === null || server === null || database === null
      ? null
      : Math.max(0, machine - server - database - own);
  return {
    // How busy each side was, in cores: a server well under 100 % of its core means the load
    // generator (or something else) set the pace. CPU per response does not depend on that.
    serverCpuShare: server === null ? null : server / seconds,
    serverCpuPerResponseUs: server === null || !responses ? null : (server / responses) * 1e6,
    loadCpuShare: own / seconds,
    databaseCpuShare: database === null ? null : database / seconds,
    // Anything else on the machine: another program's work makes every figure of this run noisy.
    otherCpuShare: other === null ? null : other / seconds,
  };
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * A refresh token is single-use: each connection owns one session and always presents the token
 * its own previous refresh returned. A token is never sent twice unless a response was lost (a
 * timeout); those resends are counted as `reusedTokens`.
 */
function refreshClients(refreshTokens) {
  const sessions = refreshTokens.map((token) => ({ token, sent: new Set(), rotated: 0 }));
  let next = 0;
  const stats = { reusedTokens: 0, rotations: 0 };
  const setupClient = (client) => {
    const session = sessions[next % sessions.length];
    next += 1;
    client.setRequests([
      {
        method: 'POST',
        path: '/auth/refresh',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          if (session.sent.has(session.token)) stats.reusedTokens += 1;
          session.sent.add(session.token);
          return { ...request, body: JSON.stringify({ refreshToken: session.token }) };
        },
        onResponse: (status, body) => {
          if (status !== 200) return;
          session.token = JSON.parse(body).refreshToken;
          stats.rotations += 1;
        },
      },
    ]);
  };
  return { setupClient, stats };
}

function run(options, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    instance.on('response', onResponse);
  });
}

async function main() {
  const spec = JSON.parse(process.argv[2]);
  const base = {
    url: spec.url + (spec.path ?? '/'),
    method: spec.method ?? 'GET',
    headers: spec.headers ?? {},
    body: spec.body,
    connections: spec.connections,
    timeout: spec.timeout ?? 10,
    pipelining: 1,
  };
  let refresh;
  if (spec.kind === 'refresh') {
    if (spec.refreshTokens.length !== spec.connections)
      throw new Error('a refresh run needs exactly one session per connection');
    refresh = refreshClients(spec.refreshTokens);
    base.setupClient = refresh.setupClient;
  } else if (spec.warmup) {
    // Same requests, thrown away: lets V8 compile the hot path before we measure it.
    await run({ ...base, duration: spec.warmup }, () => {});
  }

  const latencies = [];
  const before = cpuSnapshot(spec);
  const result = await run({ ...base, duration: spec.duration }, (_client, _status, _bytes, ms) =>
    latencies.push(ms),
  );
  const after = cpuSnapshot(spec);
  latencies.sort((a, b) => a - b);

  const expect = new Set(spec.expect ?? [200]);
  const statusCounts = {};
  let unexpectedStatus = 0;
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) {
    statusCounts[status] = count;
    if (!expect.has(Number(status))) unexpectedStatus += count;
  }
  const responses = latencies.length;
  process.stdout.write(
    `${JSON.stringify({
      responses,
      seconds: result.duration,
      rps: responses / result.duration,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies.length ? latencies[latencies.length - 1] : null,
      statusCounts,
      unexpectedStatus,
      // autocannon counts a timeout as an error too
      socketErrors: result.errors - result.timeouts,
      timeouts: result.timeouts,
      errors: unexpectedStatus + result.errors,
      ...cpuShares(before, after, responses),
      ...(refresh ? refresh.stats : {}),
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(
    `load generator failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
