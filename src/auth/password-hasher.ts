import { Worker } from 'node:worker_threads';

/**
 * bcrypt on worker threads of its own, each at a lower CPU priority (nice 10) than the event
 * loop. With the native package's async API bcrypt ran in libuv's pool at the same priority as
 * the event loop, so on a busy core a login burst took half the CPU away from every other
 * request and the API's p99 tripled (BENCHMARKS.md, scenario 7). At nice 10 the kernel gives the
 * event loop ~10× the share whenever both want the core; logins wait a little longer instead.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readlinkSync } = require('node:fs');
const { setPriority } = require('node:os');
try {
  // On Linux a thread has a nice value of its own: lower this thread's priority only.
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), workerData.nice);
} catch {
  // Not Linux, or not permitted: bcrypt still runs off the event loop, at normal priority.
}
const bcrypt = require(workerData.bcryptPath);
parentPort.on('message', ({ id, op, password, hash, cost }) => {
  try {
    const result = op === 'hash' ? bcrypt.hashSync(password, cost) : bcrypt.compareSync(password, hash);
    parentPort.postMessage({ id, result });
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.message) });
  }
});
`;

type Job =
  | { op: 'hash'; password: string; cost: number }
  | { op: 'compare'; password: string; hash: string };
interface Pending {
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
}
interface Slot {
  worker: Worker;
  pending?: Pending;
}

export class PasswordHasher {
  private readonly slots: Slot[] = [];
  private nextId = 0;
  private closing = false;

  constructor(
    private readonly size: number,
    private readonly nice = 10,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  hash(password: string, cost: number): Promise<string> {
    return this.run({ op: 'hash', password, cost }) as Promise<string>;
  }

  compare(password: string, hash: string): Promise<boolean> {
    return this.run({ op: 'compare', password, hash }) as Promise<boolean>;
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** The caller bounds concurrency to `size`, so a free slot always exists. */
  private run(job: Job): Promise<string | boolean> {
    const slot = this.slots.find((candidate) => !candidate.pending);
    if (!slot) return Promise.reject(new Error('PasswordHasher: no free worker'));
    return new Promise((resolve, reject) => {
      slot.pending = { resolve, reject };
      slot.worker.postMessage({ id: this.nextId++, ...job });
    });
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { bcryptPath: require.resolve('bcrypt'), nice: this.nice },
    });
    // Idle workers must not keep a finished process alive.
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (message: { result?: string | boolean; error?: string }) => {
      const pending = slot.pending;
      slot.pending = undefined;
      if (message.error !== undefined) pending?.reject(new Error(message.error));
      else pending?.resolve(message.result!);
    });
    worker.on('error', (error) => {
      slot.pending?.reject(error);
      slot.pending = undefined;
    });
    worker.on('exit', () => {
      // A worker that died (not terminated by close) is replaced so the pool keeps its size.
      const index = this.slots.indexOf(slot);
      if (index >= 0 && this.slots[index].worker === worker && !this.closing) {
        slot.pending?.reject(new Error('password worker exited'));
        this.slots[index] = this.spawn();
      }
    });
    return slot;
  }
}
