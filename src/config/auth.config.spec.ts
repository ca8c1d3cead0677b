import { KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthConfig } from './auth.config';
import { ConfigError, Env } from './env-parsers';
import { toSigningKey } from './signing-keys';

const SECRET = 'Zr8bW3qK9mTq2xLs7vNc4pHd6yJf1aGe0uRk5oBi';
const PREVIOUS_A = 'older-key-number-one-0123456789abcdefghij';
const PREVIOUS_B = 'older-key-number-two-0123456789abcdefghij';

describe('loadAuthConfig', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-config-spec-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const load = (env: Env) => loadAuthConfig({ DATA_DIR: dataDir, ...env });

  function configError(env: Env): ConfigError {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected loadAuthConfig to throw a ConfigError');
  }

  describe('defaults', () => {
    it('should give a 900 s access token and a 604800 s refresh token', () => {
      const config = load({ JWT_SECRET: SECRET });
      expect(config.accessTtlSeconds).toBe(900);
      expect(config.refreshTtlSeconds).toBe(604_800);
    });

    it('should give a 10 s reuse grace and a 30 day session lifetime', () => {
      const config = load({ JWT_SECRET: SECRET });
      expect(config.refreshReuseGraceMs).toBe(10_000);
      expect(config.sessionMaxLifetimeSeconds).toBe(30 * 86_400);
    });

    it('should give bcrypt cost 12 and the service name as issuer and audience', () => {
      const config = load({ JWT_SECRET: SECRET });
      expect(config.bcryptCost).toBe(12);
      expect(config.issuer).toBe('nest-jwt-auth');
      expect(config.audience).toBe('nest-jwt-auth');
    });

    it('should give the documented rate limits and no Redis', () => {
      const config = load({ JWT_SECRET: SECRET });
      expect(config.rateLimitLoginAccount).toBe(10);
      expect(config.rateLimitAuthIp).toBe(100);
      expect(config.redisUrl).toBeUndefined();
    });

    it('should give an account-wide ceiling of 100 failed logins', () => {
      expect(load({ JWT_SECRET: SECRET }).rateLimitLoginAccountGlobal).toBe(100);
    });
  });

  describe('the account-wide login ceiling (RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL)', () => {
    it('should read it from the environment', () => {
      const config = load({ JWT_SECRET: SECRET, RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: '250' });
      expect(config.rateLimitLoginAccountGlobal).toBe(250);
    });

    it('should refuse a value that is not a positive whole number, naming it', () => {
      expect(
        configError({ JWT_SECRET: SECRET, RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: '0' }).message,
      ).toMatch(/RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL must be a whole number/);
    });

    it('should refuse a ceiling below the per-address limit, which would make it the only lock', () => {
      expect(
        configError({
          JWT_SECRET: SECRET,
          RATE_LIMIT_LOGIN_ACCOUNT: '20',
          RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: '19',
        }).message,
      ).toMatch(/RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL must be at least RATE_LIMIT_LOGIN_ACCOUNT/);
    });

    it('should accept a ceiling equal to the per-address limit', () => {
      const config = load({
        JWT_SECRET: SECRET,
        RATE_LIMIT_LOGIN_ACCOUNT: '20',
        RATE_LIMIT_LOGIN_ACCOUNT_GLOBAL: '20',
      });
      expect(config.rateLimitLoginAccountGlobal).toBe(20);
    });
  });

  it('should read durations, issuer and audience from the environment', () => {
    const config = load({
      JWT_SECRET: SECRET,
      JWT_ACCESS_TTL: '5m',
      JWT_REFRESH_TTL: '1d',
      SESSION_MAX_LIFETIME: '7d',
      REFRESH_REUSE_GRACE: '0',
      JWT_ISSUER: 'issuer.example',
      JWT_AUDIENCE: 'audience.example',
    });
    expect(config).toMatchObject({
      accessTtlSeconds: 300,
      refreshTtlSeconds: 86_400,
      sessionMaxLifetimeSeconds: 7 * 86_400,
      refreshReuseGraceMs: 0,
      issuer: 'issuer.example',
      audience: 'audience.example',
    });
  });

  describe('in production', () => {
    it('should refuse to start without a secret, naming JWT_SECRET', () => {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    });

    it('should not generate a secret file', () => {
      expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
      expect(readdirSync(dataDir)).toEqual([]);
    });

    it('should refuse a secret shorter than 32 bytes', () => {
      expect(() =>
        load({ NODE_ENV: 'production', JWT_SECRET: 'a'.repeat(8) + 'b'.repeat(23) }),
      ).toThrow(/JWT_SECRET must be at least 32 bytes/);
    });

    it('should accept a random secret of 32 bytes', () => {
      const secret = 'k3J9xQ2mW7pL5vR8tZ1nB4cY6hF0dS2a';
      expect(Buffer.byteLength(secret)).toBe(32);
      expect(load({ NODE_ENV: 'production', JWT_SECRET: secret }).signingKey.kid).toBe(
        toSigningKey(secret).kid,
      );
    });

    it.each([
      'change-me-change-me-change-me-change-me',
      'replace_me_with_a_real_secret_of_length',
      'your-secret-goes-here-0123456789abcdefgh',
      'x'.repeat(48),
    ])('should refuse the placeholder %p', (secret) => {
      expect(() => load({ NODE_ENV: 'production', JWT_SECRET: secret })).toThrow(/placeholder/);
    });

    it('should refuse a bcrypt cost below 10', () => {
      expect(
        configError({ NODE_ENV: 'production', JWT_SECRET: SECRET, BCRYPT_COST: '9' }).message,
      ).toContain('BCRYPT_COST');
    });

    it('should accept a bcrypt cost of 10', () => {
      expect(
        load({ NODE_ENV: 'production', JWT_SECRET: SECRET, BCRYPT_COST: '10' }).bcryptCost,
      ).toBe(10);
    });
  });

  it('should allow a bcrypt cost of 4 in development', () => {
    expect(load({ NODE_ENV: 'development', JWT_SECRET: SECRET, BCRYPT_COST: '4' }).bcryptCost).toBe(
      4,
    );
  });

  it('should refuse a bcrypt cost above 15', () => {
    expect(() => load({ JWT_SECRET: SECRET, BCRYPT_COST: '16' })).toThrow(/BCRYPT_COST/);
  });

  it('should refuse JWT_SECRET and JWT_SECRET_FILE set together', () => {
    const file = join(dataDir, 'secret');
    writeFileSync(file, SECRET);
    const error = configError({ JWT_SECRET: SECRET, JWT_SECRET_FILE: file });
    expect(error.message).toContain('JWT_SECRET');
    expect(error.message).toContain('JWT_SECRET_FILE');
  });

  it('should read the secret from JWT_SECRET_FILE without its trailing newline', () => {
    const file = join(dataDir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    const config = load({ NODE_ENV: 'production', JWT_SECRET_FILE: file });
    expect(config.signingKey.kid).toBe(toSigningKey(SECRET).kid);
    expect(config.signingKey.key.export()).toEqual(Buffer.from(SECRET, 'utf8'));
  });

  it('should refuse a JWT_SECRET_FILE that cannot be read, naming the variable', () => {
    expect(() => load({ JWT_SECRET_FILE: join(dataDir, 'missing') })).toThrow(/JWT_SECRET_FILE/);
  });

  it('should not echo the secret in any problem', () => {
    const short = 'short-secret-value';
    expect(configError({ NODE_ENV: 'production', JWT_SECRET: short }).message).not.toContain(short);
  });

  describe('in development without a secret', () => {
    it('should generate one into DATA_DIR/jwt-secret readable by the owner only', () => {
      load({ NODE_ENV: 'development' });
      const path = join(dataDir, 'jwt-secret');
      expect(existsSync(path)).toBe(true);
      expect(statSync(path).mode & 0o777).toBe(0o600);
    });

    it('should generate a key of at least 32 bytes', () => {
      const config = load({ NODE_ENV: 'development' });
      expect(config.signingKey.key.symmetricKeySize).toBeGreaterThanOrEqual(32);
    });

    it('should give the same kid on a second load', () => {
      const first = load({ NODE_ENV: 'development' });
      const second = load({ NODE_ENV: 'development' });
      expect(second.signingKey.kid).toBe(first.signingKey.kid);
    });

    it('should give another install another key', () => {
      const otherDir = mkdtempSync(join(tmpdir(), 'auth-config-spec-'));
      try {
        const other = loadAuthConfig({ DATA_DIR: otherDir });
        expect(other.signingKey.kid).not.toBe(load({}).signingKey.kid);
      } finally {
        rmSync(otherDir, { recursive: true, force: true });
      }
    });
  });

  describe('signing and verification keys', () => {
    it('should make the signing key a secret KeyObject', () => {
      const { signingKey } = load({ JWT_SECRET: SECRET });
      expect(signingKey.key).toBeInstanceOf(KeyObject);
      expect(signingKey.key.type).toBe('secret');
    });

    it('should list JWT_PREVIOUS_SECRETS for verification but sign with the current key', () => {
      const config = load({
        JWT_SECRET: SECRET,
        JWT_PREVIOUS_SECRETS: `${PREVIOUS_A}, ${PREVIOUS_B}`,
      });
      expect(config.signingKey.kid).toBe(toSigningKey(SECRET).kid);
      expect([...config.verificationKeys.keys()].sort()).toEqual(
        [
          toSigningKey(SECRET).kid,
          toSigningKey(PREVIOUS_A).kid,
          toSigningKey(PREVIOUS_B).kid,
        ].sort(),
      );
      expect(config.verificationKeys.get(config.signingKey.kid)).toBe(config.signingKey);
    });

    it('should verify with the signing key alone when there are no previous secrets', () => {
      const config = load({ JWT_SECRET: SECRET });
      expect([...config.verificationKeys.keys()]).toEqual([config.signingKey.kid]);
    });

    it('should refuse a previous secret shorter than 32 bytes', () => {
      expect(() =>
        load({ JWT_SECRET: SECRET, JWT_PREVIOUS_SECRETS: `${PREVIOUS_A},short` }),
      ).toThrow(/JWT_PREVIOUS_SECRETS/);
    });
  });

  describe('durations', () => {
    it.each(['JWT_ACCESS_TTL', 'JWT_REFRESH_TTL', 'SESSION_MAX_LIFETIME', 'REFRESH_REUSE_GRACE'])(
      'should refuse an unparsable %s, naming it',
      (name) => {
        expect(() => load({ JWT_SECRET: SECRET, [name]: 'abc' })).toThrow(new RegExp(name));
      },
    );

    it('should refuse an access TTL under 10 s', () => {
      expect(() => load({ JWT_SECRET: SECRET, JWT_ACCESS_TTL: '5s' })).toThrow(/JWT_ACCESS_TTL/);
    });

    it('should refuse a refresh TTL equal to the access TTL', () => {
      expect(() =>
        load({ JWT_SECRET: SECRET, JWT_ACCESS_TTL: '1h', JWT_REFRESH_TTL: '1h' }),
      ).toThrow(/JWT_REFRESH_TTL must be longer than JWT_ACCESS_TTL/);
    });

    it('should refuse a refresh TTL shorter than the access TTL', () => {
      expect(() =>
        load({ JWT_SECRET: SECRET, JWT_ACCESS_TTL: '2h', JWT_REFRESH_TTL: '1h' }),
      ).toThrow(/JWT_REFRESH_TTL must be longer than JWT_ACCESS_TTL/);
    });

    it('should refuse a reuse grace over 60 s', () => {
      expect(() => load({ JWT_SECRET: SECRET, REFRESH_REUSE_GRACE: '61s' })).toThrow(
        /REFRESH_REUSE_GRACE/,
      );
    });
  });

  it('should report every problem at once', () => {
    const error = configError({
      NODE_ENV: 'production',
      JWT_ACCESS_TTL: 'abc',
      BCRYPT_COST: '3',
      REDIS_URL: 'http://cache',
    });
    for (const name of ['JWT_SECRET', 'JWT_ACCESS_TTL', 'BCRYPT_COST', 'REDIS_URL']) {
      expect(error.message).toContain(name);
    }
  });

  describe('the generated development key', () => {
    it('should refuse a truncated key file instead of signing with it', () => {
      writeFileSync(join(dataDir, 'jwt-secret'), 'short\n');
      expect(configError({}).message).toMatch(/jwt-secret.*at least 32 bytes/);
    });

    it('should refuse an empty key file', () => {
      writeFileSync(join(dataDir, 'jwt-secret'), '');
      expect(configError({}).problems).toHaveLength(1);
    });
  });

  it('should read NODE_ENV as the other namespaces do: trimmed, so " production " is production', () => {
    expect(configError({ NODE_ENV: ' production ' }).message).toMatch(/JWT_SECRET/);
  });

  // ../shared/API.md, "Running and configuring": only the exact words development and test relax
  // the rules, so a misspelt or unfamiliar NODE_ENV fails closed.
  describe.each(['staging', 'prod', 'Production', ' production ', 'Development'])(
    'with NODE_ENV=%p',
    (nodeEnv) => {
      it('should refuse to start without a secret, naming JWT_SECRET', () => {
        expect(configError({ NODE_ENV: nodeEnv }).message).toMatch(/JWT_SECRET/);
      });

      it('should not generate a secret file', () => {
        expect(() => load({ NODE_ENV: nodeEnv })).toThrow(ConfigError);
        expect(readdirSync(dataDir)).toEqual([]);
      });

      it('should refuse a placeholder secret', () => {
        expect(configError({ NODE_ENV: nodeEnv, JWT_SECRET: 'x'.repeat(48) }).message).toMatch(
          /placeholder/,
        );
      });

      it('should refuse a bcrypt cost below 10', () => {
        expect(
          configError({ NODE_ENV: nodeEnv, JWT_SECRET: SECRET, BCRYPT_COST: '9' }).message,
        ).toContain('BCRYPT_COST');
      });
    },
  );

  describe.each(['development', 'test'])('with NODE_ENV=%p', (nodeEnv) => {
    it('should generate a secret when none is configured', () => {
      load({ NODE_ENV: nodeEnv });
      expect(readdirSync(dataDir)).toEqual(['jwt-secret']);
    });

    it('should allow a bcrypt cost of 4', () => {
      expect(load({ NODE_ENV: nodeEnv, JWT_SECRET: SECRET, BCRYPT_COST: '4' }).bcryptCost).toBe(4);
    });
  });
});
