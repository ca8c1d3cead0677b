import { createHash, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvReader } from './env-parsers';

/** HS256 needs a key at least as long as its output (RFC 7518 §3.2). */
export const MIN_SECRET_BYTES = 32;

export interface SigningKey {
  /** Public id put in the JWT header; derived from the key, so it never needs configuring. */
  kid: string;
  /**
   * Always a KeyObject: jsonwebtoken turns a string secret into a key on every call
   * (~280 µs here), a KeyObject costs ~5 µs.
   */
  key: KeyObject;
}

// Values people paste from examples. Refused in production, where one would be a shared secret.
const PLACEHOLDER =
  /change[-_ ]?me|changeit|replace[-_ ]?me|placeholder|example|your[-_ ]?secret|^secret$|^(.)\1*$/i;

export function toSigningKey(secret: string): SigningKey {
  const bytes = Buffer.from(secret, 'utf8');
  const kid = createHash('sha256').update('kid:').update(bytes).digest('base64url').slice(0, 16);
  return { kid, key: createSecretKey(bytes) };
}

export function isPlaceholderSecret(secret: string): boolean {
  return PLACEHOLDER.test(secret);
}

/**
 * Where the signing secret comes from, in order: JWT_SECRET, JWT_SECRET_FILE (a mounted secret),
 * and outside production a key generated once into DATA_DIR so restarts keep tokens valid while
 * no two installs share a key. Never a default baked into the code.
 */
export function resolveCurrentSecret(
  read: EnvReader,
  isProduction: boolean,
  dataDir: string,
): string | undefined {
  const inline = read.raw('JWT_SECRET');
  const file = read.raw('JWT_SECRET_FILE');
  if (inline && file) {
    read.fail('Set only one of JWT_SECRET and JWT_SECRET_FILE');
    return undefined;
  }
  let secret = inline;
  let source = 'JWT_SECRET';
  if (file) {
    source = 'JWT_SECRET (from JWT_SECRET_FILE)';
    try {
      secret = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch {
      read.fail('JWT_SECRET_FILE names a file that cannot be read');
      return undefined;
    }
  }
  if (secret === undefined) {
    if (isProduction) {
      read.fail('JWT_SECRET (or JWT_SECRET_FILE) is required when NODE_ENV=production');
      return undefined;
    }
    secret = developmentSecret(dataDir);
    source = `the generated key in ${join(dataDir, 'jwt-secret')} (delete it to make a new one)`;
  }
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) {
    read.fail(`${source} must be at least ${MIN_SECRET_BYTES} bytes`);
    return undefined;
  }
  if (isProduction && isPlaceholderSecret(secret)) {
    read.fail(`${source} looks like a placeholder; generate one with: openssl rand -base64 48`);
    return undefined;
  }
  return secret;
}

export function resolvePreviousSecrets(read: EnvReader): string[] {
  const list = read.raw('JWT_PREVIOUS_SECRETS');
  if (!list) return [];
  const secrets = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (secrets.some((s) => Buffer.byteLength(s, 'utf8') < MIN_SECRET_BYTES)) {
    read.fail(`every key in JWT_PREVIOUS_SECRETS must be at least ${MIN_SECRET_BYTES} bytes`);
    return [];
  }
  return secrets;
}

/** The generated key is checked like a configured one: a truncated file must not sign. */
function developmentSecret(dataDir: string): string {
  const path = join(dataDir, 'jwt-secret');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  try {
    writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process starting at the same moment wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return readFileSync(path, 'utf8').trim();
    throw error;
  }
  chmodSync(path, 0o600);
  return secret;
}
