'use strict';
// The embedded PostgreSQL (PGlite behind pglite-socket) in a process of its own, so that the
// server under test is measured alone: its CPU and RSS stay its own, as with a real server.
//
// Prints `{"url": "postgres://…"}` on one stdout line once it listens, then serves until it gets
// SIGTERM/SIGINT or its parent closes stdin (so it never outlives a crashed bench).
const { join } = require('node:path');

const { EmbeddedPostgres } = require(
  join(__dirname, '..', 'dist', 'database', 'embedded-postgres.js'),
);

async function main() {
  const database = await EmbeddedPostgres.start('memory://');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      await database.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.on('close', () => void stop());
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: database.url, pid: process.pid })}\n`);
}

main().catch((error) => {
  process.stderr.write(`embedded PostgreSQL failed to start: ${String(error)}\n`);
  process.exit(1);
});
