'use strict';
// bcrypt's own ceiling on one core: `node bench/bcrypt-ceiling.js <cost> <seconds>` compares a
// password against a hash of that cost in a tight synchronous loop (what one login costs) and
// prints `{"hashes": n, "seconds": s, "perSecond": r, "cpuSeconds": c}` (c: this process's whole
// CPU time, so run.js can tell how much of the machine others took meanwhile). run.js starts one per core the server
// may use, each pinned to its core, and adds them up.
const bcrypt = require('bcrypt');

const cost = Number(process.argv[2] ?? 12);
const seconds = Number(process.argv[3] ?? 3);
const password = 'bench-ceiling-password';
const hash = bcrypt.hashSync(password, cost);

let hashes = 0;
const started = process.hrtime.bigint();
const deadline = started + BigInt(Math.round(seconds * 1e9));
let now = started;
do {
  if (!bcrypt.compareSync(password, hash)) throw new Error('bcrypt.compareSync gave false');
  hashes += 1;
  now = process.hrtime.bigint();
} while (now < deadline);

const elapsed = Number(now - started) / 1e9;
const cpu = process.cpuUsage();
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stdout.write(
  `${JSON.stringify({ hashes, seconds: elapsed, perSecond: hashes / elapsed, cpuSeconds })}\n`,
);
