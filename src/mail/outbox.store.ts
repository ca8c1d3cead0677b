import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface OutboxEntry {
  id: string;
  to: string;
  subject: string;
  text: string;
  links: string[];
  createdAt: string;
}

/** The outbox keeps the newest mails only, so a long-running development server does not fill the disk. */
export const OUTBOX_KEEPS = 200;
/** GET /dev/outbox lists at most this many, newest first. */
export const OUTBOX_LISTS = 50;

/**
 * The development outbox (../shared/API.md, "Account lifecycle (email)"): one `<id>.eml` per mail
 * (open it in any mail client) and a `<id>.json` beside it with what GET /dev/outbox shows. Ids
 * start with the time, so names sort oldest first. Files are 0600: they hold live links.
 */
export class OutboxStore {
  constructor(private readonly dir: string) {}

  async save(raw: Buffer, entry: Omit<OutboxEntry, 'id' | 'createdAt'>): Promise<OutboxEntry> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const now = new Date();
    const id = `${String(now.getTime()).padStart(13, '0')}-${randomUUID().slice(0, 8)}`;
    const saved: OutboxEntry = { id, ...entry, createdAt: now.toISOString() };
    await writeFile(join(this.dir, `${id}.eml`), raw, { mode: 0o600 });
    await writeFile(join(this.dir, `${id}.json`), JSON.stringify(saved), { mode: 0o600 });
    await this.prune();
    return saved;
  }

  async list(limit = OUTBOX_LISTS): Promise<OutboxEntry[]> {
    const ids = (await this.ids()).reverse().slice(0, limit);
    const entries = await Promise.all(
      ids.map(async (id) => {
        try {
          return JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as OutboxEntry;
        } catch {
          return undefined; // pruned or half-written meanwhile
        }
      }),
    );
    return entries.filter((entry): entry is OutboxEntry => entry !== undefined);
  }

  private async ids(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    return names
      .filter((name) => /^\d{13}-[0-9a-f]{8}\.json$/.test(name))
      .map((name) => name.slice(0, -'.json'.length))
      .sort();
  }

  private async prune(): Promise<void> {
    const ids = await this.ids();
    for (const id of ids.slice(0, Math.max(0, ids.length - OUTBOX_KEEPS))) {
      await rm(join(this.dir, `${id}.json`), { force: true });
      await rm(join(this.dir, `${id}.eml`), { force: true });
    }
  }
}
