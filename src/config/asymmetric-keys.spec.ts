import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAuthConfig } from './auth.config';
import { generatePrivateKeyPem, jwkThumbprint } from './asymmetric-keys';
import { ConfigError, Env } from './env-parsers';

const publicPem = (privatePem: string) =>
  createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }) as string;

describe('jwkThumbprint', () => {
  it('should give the RFC 8037 §A.3 thumbprint of the RFC 8037 Ed25519 example key', () => {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' },
      format: 'jwk',
    });
    expect(jwkThumbprint(key)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('should give the same thumbprint for a private key and its public half', () => {
    const privateKey = createPrivateKey(generatePrivateKeyPem('ES256'));
    expect(jwkThumbprint(createPublicKey(privateKey))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe.each(['EdDSA', 'ES256'] as const)('loadAuthConfig with JWT_ALGORITHM=%s', (algorithm) => {
  const other = algorithm === 'EdDSA' ? 'ES256' : 'EdDSA';
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'asymmetric-keys-spec-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const load = (env: Env) =>
    loadAuthConfig({ DATA_DIR: dataDir, JWT_ALGORITHM: algorithm, ...env });
  function problems(env: Env): string {
    try {
      load(env);
    } catch (error) {
      if (error instanceof ConfigError) return error.message;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  it('should sign with the private key of JWT_PRIVATE_KEY under its thumbprint kid', () => {
    const pem = generatePrivateKeyPem(algorithm);
    const config = load({ JWT_PRIVATE_KEY: pem });
    expect(config.algorithm).toBe(algorithm);
    expect(config.signingKey.key.type).toBe('private');
    expect(config.signingKey.kid).toBe(jwkThumbprint(createPublicKey(pem)));
  });

  it('should read a PEM written on one line with \\n escapes, as .env files carry it', () => {
    const pem = generatePrivateKeyPem(algorithm);
    const config = load({ JWT_PRIVATE_KEY: pem.trim().replace(/\n/g, '\\n') });
    expect(config.signingKey.kid).toBe(jwkThumbprint(createPublicKey(pem)));
  });

  it('should read the key from JWT_PRIVATE_KEY_FILE', () => {
    const pem = generatePrivateKeyPem(algorithm);
    const file = join(dataDir, 'mounted.pem');
    writeFileSync(file, pem);
    expect(load({ JWT_PRIVATE_KEY_FILE: file }).signingKey.kid).toBe(
      jwkThumbprint(createPublicKey(pem)),
    );
  });

  it('should refuse both JWT_PRIVATE_KEY and JWT_PRIVATE_KEY_FILE', () => {
    const pem = generatePrivateKeyPem(algorithm);
    expect(problems({ JWT_PRIVATE_KEY: pem, JWT_PRIVATE_KEY_FILE: '/x' })).toContain(
      'Set only one of JWT_PRIVATE_KEY and JWT_PRIVATE_KEY_FILE',
    );
  });

  it('should refuse to start in production without a private key', () => {
    expect(problems({ NODE_ENV: 'production' })).toContain(
      `JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) is required when NODE_ENV=production and JWT_ALGORITHM=${algorithm} (only development and test may generate one)`,
    );
  });

  it('should refuse to start under an unfamiliar NODE_ENV (staging) without a private key', () => {
    expect(problems({ NODE_ENV: 'staging' })).toContain(
      `JWT_PRIVATE_KEY (or JWT_PRIVATE_KEY_FILE) is required when NODE_ENV=staging and JWT_ALGORITHM=${algorithm} (only development and test may generate one)`,
    );
  });

  it('should not need JWT_SECRET in production', () => {
    const config = load({
      NODE_ENV: 'production',
      JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm),
    });
    expect(config.signingKey.key.asymmetricKeyType).toBeDefined();
  });

  it('should generate a key pair into DATA_DIR in development, readable by its owner only', () => {
    const first = load({});
    const files = ['jwt-ed25519.pem', 'jwt-es256.pem'].filter((f) => existsSync(join(dataDir, f)));
    expect(files).toHaveLength(1);
    expect(statSync(join(dataDir, files[0])).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dataDir, files[0]), 'utf8')).toContain('-----BEGIN PRIVATE KEY-----');
    expect(load({}).signingKey.kid).toBe(first.signingKey.kid);
  });

  it(`should refuse a ${other} key, naming the variable and never quoting the key`, () => {
    const pem = generatePrivateKeyPem(other);
    const message = problems({ JWT_PRIVATE_KEY: pem });
    expect(message).toContain('JWT_PRIVATE_KEY must be');
    expect(message).not.toContain(pem.split('\n')[1]);
  });

  it('should refuse a private key that is not PKCS#8 PEM', () => {
    expect(problems({ JWT_PRIVATE_KEY: 'not a key' })).toContain(
      'JWT_PRIVATE_KEY must be a PKCS#8 PEM private key',
    );
  });

  it('should verify with JWT_PREVIOUS_PUBLIC_KEYS (several) and JWT_NEXT_PUBLIC_KEY, public keys only', () => {
    const [previousA, previousB, next] = [1, 2, 3].map(() => generatePrivateKeyPem(algorithm));
    const config = load({
      JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm),
      JWT_PREVIOUS_PUBLIC_KEYS: publicPem(previousA) + publicPem(previousB),
      JWT_NEXT_PUBLIC_KEY: publicPem(next),
    });
    const kids = [previousA, previousB, next].map((pem) => jwkThumbprint(createPublicKey(pem)));
    expect([...config.verificationKeys.keys()]).toEqual([config.signingKey.kid, ...kids]);
    expect(config.publishedKeys.map((key) => key.kid)).toEqual([config.signingKey.kid, ...kids]);
    expect(
      [...config.verificationKeys.values()].every(
        ({ key }) => key instanceof KeyObject && key.type === 'public',
      ),
    ).toBe(true);
  });

  it('should publish a next key equal to the current one only once', () => {
    const pem = generatePrivateKeyPem(algorithm);
    const config = load({ JWT_PRIVATE_KEY: pem, JWT_NEXT_PUBLIC_KEY: publicPem(pem) });
    expect(config.publishedKeys).toHaveLength(1);
  });

  it.each([
    [
      'JWT_PREVIOUS_PUBLIC_KEYS',
      'garbage',
      'JWT_PREVIOUS_PUBLIC_KEYS must be one or more PEM public keys',
    ],
    ['JWT_NEXT_PUBLIC_KEY', 'garbage', 'JWT_NEXT_PUBLIC_KEY must be one PEM public key'],
  ])('should refuse a %s that is not PEM', (name, value, message) => {
    expect(
      problems({ JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm), [name]: value }),
    ).toContain(message);
  });

  it(`should refuse a ${other} key in JWT_PREVIOUS_PUBLIC_KEYS: the algorithm is pinned`, () => {
    expect(
      problems({
        JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm),
        JWT_PREVIOUS_PUBLIC_KEYS: publicPem(generatePrivateKeyPem(other)),
      }),
    ).toContain('JWT_PREVIOUS_PUBLIC_KEYS must hold');
  });
});

describe('JWT_ALGORITHM', () => {
  it('should default to HS256 with no published keys', () => {
    const config = loadAuthConfig({ JWT_SECRET: 'Zr8bW3qK9mTq2xLs7vNc4pHd6yJf1aGe0uRk5oBi' });
    expect(config.algorithm).toBe('HS256');
    expect(config.publishedKeys).toEqual([]);
  });

  it.each(['RS256', 'none', 'hs256', 'eddsa'])('should refuse %p, naming the variable', (value) => {
    expect(() =>
      loadAuthConfig({
        JWT_SECRET: 'Zr8bW3qK9mTq2xLs7vNc4pHd6yJf1aGe0uRk5oBi',
        JWT_ALGORITHM: value,
      }),
    ).toThrow(`JWT_ALGORITHM must be one of HS256, EdDSA, ES256 (got "${value}")`);
  });
});
