/**
 * Small, strict parsers for environment variables. Each failure names the variable, so a
 * misconfigured deployment stops at boot with a message an operator can act on
 * (../shared/API.md, "Running and configuring").
 */
import { resolve } from 'node:path';

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** The NODE_ENV values that get development rules; every other value gets production rules. */
export const RELAXED_NODE_ENVS: readonly string[] = ['development', 'test'];

/** Collects every problem of one namespace before failing, so one boot shows them all. */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  /** The one reading of NODE_ENV every namespace shares, so none can disagree about it. */
  get nodeEnv(): string {
    return this.string('NODE_ENV', 'development');
  }

  /**
   * Only the exact words `development` and `test` relax the rules: a misspelt or unfamiliar name
   * (`staging`, `prod`, `Production`) must fail closed, not hand out a generated key.
   */
  get isProduction(): boolean {
    return !RELAXED_NODE_ENVS.includes(this.nodeEnv);
  }

  /** Where development state lives (the embedded database, a generated key), absolute. */
  get dataDir(): string {
    return resolve(this.string('DATA_DIR', '.data'));
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      this.problems.push(`${name} must be a whole number from ${min} to ${max} (got "${value}")`);
      return fallback;
    }
    return Number(value);
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    this.problems.push(`${name} must be true or false (got "${value}")`);
    return fallback;
  }

  /** A duration in milliseconds: plain seconds ("900") or a number with a unit ("15m", "7d"). */
  duration(name: string, fallback: string, minMs = 1_000): number {
    const value = this.raw(name) ?? fallback;
    const ms = parseDuration(value);
    if (ms === undefined || ms < minMs) {
      this.problems.push(
        `${name} must be a duration of at least ${minMs / 1000}s such as 900, 15m, 1h or 7d (got "${value}")`,
      );
      return parseDuration(fallback)!;
    }
    return ms;
  }

  url(name: string, protocols: string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (protocols.includes(parsed.protocol)) return value;
    } catch {
      // reported below
    }
    // Never echo the value: a database or Redis URL carries a password.
    this.problems.push(`${name} must be a URL starting with ${protocols.join(' or ')}//`);
    return undefined;
  }

  fail(problem: string): void {
    this.problems.push(problem);
  }

  done(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export function parseDuration(value: string): number | undefined {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return undefined;
  const ms = Number(match[1]) * UNIT_MS[match[2] ?? 's'];
  return Number.isSafeInteger(ms) ? ms : undefined;
}
