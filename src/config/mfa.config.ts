import { randomBytes } from 'node:crypto';
import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';
import { resolveSecret, SecretSource } from './secret-sources';
import { isPlaceholderSecret } from './signing-keys';

/** The input keying material of HKDF: 256 bits at least, like the signing key. */
export const MIN_DATA_ENCRYPTION_KEY_BYTES = 32;

/**
 * The roles REQUIRE_MFA_FOR_ROLES may name. config/ imports no feature (src/layering.spec.ts), so
 * the names are repeated here; src/auth/mfa/mfa-config.spec.ts fails if they drift from Role.
 */
export const KNOWN_ROLES: readonly string[] = ['user', 'admin'];

export interface MfaConfig {
  /**
   * Input keying material for the keys that encrypt data at rest (the TOTP secrets), each derived
   * with HKDF for its purpose (auth/mfa/data-encryption.ts). Never used as a key itself.
   */
  dataEncryptionKey: Buffer;
  /** Roles whose routes refuse an access token without a second factor (403 mfa_required). */
  requireMfaForRoles: string[];
}

export function loadMfaConfig(env: Env = process.env): MfaConfig {
  const read = new EnvReader(env);
  const key = resolveDataEncryptionKey(read, read.isProduction, read.dataDir);
  const roles = (read.raw('REQUIRE_MFA_FOR_ROLES') ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter(Boolean);
  const unknown = roles.filter((role) => !KNOWN_ROLES.includes(role));
  if (unknown.length > 0) {
    read.fail(
      `REQUIRE_MFA_FOR_ROLES must be a comma-separated list of ${KNOWN_ROLES.join(', ')} (unknown: ${unknown.join(', ')})`,
    );
  }
  read.done();
  return { dataEncryptionKey: key!, requireMfaForRoles: [...new Set(roles)] };
}

/**
 * DATA_ENCRYPTION_KEY, DATA_ENCRYPTION_KEY_FILE (a mounted secret), or outside production a key
 * generated once into DATA_DIR — the same rules as the JWT signing key (secret-sources.ts). Losing
 * it makes every stored TOTP secret unreadable, so the generated one is kept, never regenerated.
 */
function resolveDataEncryptionKey(
  read: EnvReader,
  isProduction: boolean,
  dataDir: string,
): Buffer | undefined {
  const resolved = resolveSecret(read, DATA_ENCRYPTION_KEY_SOURCE, isProduction, dataDir);
  if (!resolved) return undefined;
  const { value: secret, source } = resolved;
  if (Buffer.byteLength(secret, 'utf8') < MIN_DATA_ENCRYPTION_KEY_BYTES) {
    read.fail(`${source} must be at least ${MIN_DATA_ENCRYPTION_KEY_BYTES} bytes`);
    return undefined;
  }
  if (isProduction && isPlaceholderSecret(secret)) {
    read.fail(`${source} looks like a placeholder; generate one with: openssl rand -hex 32`);
    return undefined;
  }
  return Buffer.from(secret, 'utf8');
}

const DATA_ENCRYPTION_KEY_SOURCE: SecretSource = {
  name: 'DATA_ENCRYPTION_KEY',
  generatedFile: 'data-encryption-key',
  generate: () => randomBytes(32).toString('hex'),
  generatedNote: ' (never delete it: stored TOTP secrets would become unreadable)',
};

export const mfaConfig = registerAs('mfa', () => loadMfaConfig());
