import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, Env } from './env-parsers';
import { loadMfaConfig } from './mfa.config';

const KEY = 'a3f1c29e8b7d4c6a0e5f9b2d7c1a8e4f6b0d3c9a';

describe('loadMfaConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'mfa-config-spec-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const load = (env: Env) => loadMfaConfig({ DATA_DIR: dataDir, ...env });

  function problems(env: Env): string {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.problems.join('\n');
      throw error;
    }
    throw new Error('expected loadMfaConfig to throw a ConfigError');
  }

  it('should take DATA_ENCRYPTION_KEY as the key material', () => {
    expect(load({ DATA_ENCRYPTION_KEY: KEY }).dataEncryptionKey.toString()).toBe(KEY);
  });

  it('should read DATA_ENCRYPTION_KEY_FILE without its trailing newline', () => {
    const file = join(dataDir, 'key');
    writeFileSync(file, `${KEY}\n`);
    expect(load({ DATA_ENCRYPTION_KEY_FILE: file }).dataEncryptionKey.toString()).toBe(KEY);
  });

  it('should refuse both DATA_ENCRYPTION_KEY and DATA_ENCRYPTION_KEY_FILE', () => {
    expect(problems({ DATA_ENCRYPTION_KEY: KEY, DATA_ENCRYPTION_KEY_FILE: '/x' })).toMatch(
      /only one of DATA_ENCRYPTION_KEY and DATA_ENCRYPTION_KEY_FILE/,
    );
  });

  it('should refuse a key shorter than 32 bytes, naming DATA_ENCRYPTION_KEY', () => {
    expect(problems({ DATA_ENCRYPTION_KEY: 'too-short' })).toMatch(
      /DATA_ENCRYPTION_KEY must be at least 32 bytes/,
    );
  });

  it('should refuse to start in production without a key, naming DATA_ENCRYPTION_KEY', () => {
    expect(problems({ NODE_ENV: 'production' })).toMatch(
      /DATA_ENCRYPTION_KEY \(or DATA_ENCRYPTION_KEY_FILE\) is required/,
    );
  });

  it('should refuse a placeholder key in production', () => {
    expect(
      problems({
        NODE_ENV: 'production',
        DATA_ENCRYPTION_KEY: 'change-me-change-me-change-me-change-me',
      }),
    ).toMatch(/DATA_ENCRYPTION_KEY looks like a placeholder/);
  });

  it('should generate a key into DATA_DIR outside production (mode 0600) and keep it', () => {
    const first = load({ NODE_ENV: 'development' }).dataEncryptionKey;
    const path = join(dataDir, 'data-encryption-key');
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.toString());
    expect(load({ NODE_ENV: 'development' }).dataEncryptionKey.equals(first)).toBe(true);
  });

  it('should not require MFA for any role by default', () => {
    expect(load({ DATA_ENCRYPTION_KEY: KEY }).requireMfaForRoles).toEqual([]);
  });

  it('should read REQUIRE_MFA_FOR_ROLES as a comma-separated list', () => {
    expect(
      load({ DATA_ENCRYPTION_KEY: KEY, REQUIRE_MFA_FOR_ROLES: ' admin , user' }).requireMfaForRoles,
    ).toEqual(['admin', 'user']);
  });

  it('should refuse an unknown role in REQUIRE_MFA_FOR_ROLES, naming the variable', () => {
    expect(problems({ DATA_ENCRYPTION_KEY: KEY, REQUIRE_MFA_FOR_ROLES: 'admin,root' })).toMatch(
      /REQUIRE_MFA_FOR_ROLES .*unknown: root/,
    );
  });
});
