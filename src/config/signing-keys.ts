import { createHash, createSecretKey, KeyObject, randomBytes } from 'node:crypto';
import { EnvReader } from './env-parsers';
import { resolveSecret, SecretSource } from './secret-sources';

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
 * The signing secret: JWT_SECRET, JWT_SECRET_FILE, or outside production one generated into
 * DATA_DIR (secret-sources.ts). At least 32 bytes; a placeholder is refused in production.
 */
export function resolveCurrentSecret(
  read: EnvReader,
  isProduction: boolean,
  dataDir: string,
): string | undefined {
  const resolved = resolveSecret(read, JWT_SECRET_SOURCE, isProduction, dataDir);
  if (!resolved) return undefined;
  const { value: secret, source } = resolved;
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

const JWT_SECRET_SOURCE: SecretSource = {
  name: 'JWT_SECRET',
  generatedFile: 'jwt-secret',
  generate: () => randomBytes(48).toString('base64url'),
  generatedNote: ' (delete it to make a new one)',
};

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
