'use strict';
// Preloaded into the server only under `npm run bench -- --cpu-prof`. Node writes a --cpu-prof
// profile at a normal exit only: a death by signal (Nest's shutdown hooks re-raise SIGTERM) or a
// hung shutdown writes nothing. Whatever the server's own signal handling, this turns a second
// signal, or 5 s without an exit, into process.exit(0), so the profile is written.
let received = 0;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    received += 1;
    if (received > 1) process.exit(0);
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
