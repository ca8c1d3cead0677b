import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign,
} from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createOrdersApp } from '../src/app';
import { loadConfig } from '../src/config';
import { AuthService, ensureAuthServiceBuilt, freePort, startAuthService } from './auth-service';

/**
 * Both services for real: the auth service built from the repository root (node dist/main.js,
 * JWT_ALGORITHM=EdDSA, its embedded PostgreSQL in a temporary DATA_DIR) and this orders service,
 * which knows nothing of the auth service but the URL of its JWKS.
 */
const ed25519 = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
};
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (token: string, index: number) =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString()) as Record<
    string,
    unknown
  >;
const thumbprint = (publicPem: string) => {
  const { crv, kty, x } = createPublicKey(publicPem).export({ format: 'jwk' });
  return createHash('sha256').update(JSON.stringify({ crv, kty, x })).digest('base64url');
};
const signEdDSA = (header: object, claims: object, key: KeyObject | string) => {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
};

describe('orders-service beside the auth service (EdDSA, JWKS)', () => {
  const oldKey = ed25519();
  const newKey = ed25519();
  const dataDir = mkdtempSync(join(tmpdir(), 'orders-service-auth-'));
  let authPort: number;
  let auth: AuthService | undefined;
  let orders: NestFastifyApplication;
  let ordersUrl: string;
  let oldToken: string;

  async function restartAuth(env: Record<string, string>): Promise<void> {
    await auth?.stop();
    auth = await startAuthService({ DATA_DIR: dataDir, JWT_ALGORITHM: 'EdDSA', ...env }, authPort);
  }

  async function login(): Promise<string> {
    const email = `buyer-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    const password = 'correct horse battery staple';
    const body = (value: object) => ({
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(value),
    });
    await fetch(`${auth!.url}/auth/register`, body({ email, password }));
    const response = await fetch(`${auth!.url}/auth/login`, body({ email, password }));
    expect(response.status).toBe(200);
    return ((await response.json()) as { accessToken: string }).accessToken;
  }

  const getOrders = (token: string) =>
    fetch(`${ordersUrl}/orders`, { headers: { Authorization: `Bearer ${token}` } });
  async function expectRefused(token: string, code = 'token_invalid') {
    const response = await getOrders(token);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, code });
  }

  beforeAll(async () => {
    ensureAuthServiceBuilt();
    authPort = await freePort();
    await restartAuth({ JWT_PRIVATE_KEY: oldKey.privatePem });
    orders = await createOrdersApp(
      loadConfig({
        AUTH_JWKS_URL: `http://127.0.0.1:${authPort}/.well-known/jwks.json`,
        AUTH_ALGORITHM: 'EdDSA',
        // Short, so the retirement below shows within the test; production keeps the defaults.
        JWKS_CACHE_MAX_AGE_MS: '1000',
        JWKS_COOLDOWN_MS: '0',
      }),
    );
    await orders.listen(0, '127.0.0.1');
    ordersUrl = await orders.getUrl();
    oldToken = await login();
  }, 120_000);

  afterAll(async () => {
    await orders?.close();
    await auth?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should accept an access token from login, and know the caller from it', async () => {
    const response = await getOrders(oldToken);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ userId: decode(oldToken, 1).sub });
  });

  it('should refuse a request without a token', async () => {
    const response = await fetch(`${ordersUrl}/orders`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'token_missing' });
  });

  it('should refuse a tampered token (roles edited under the original signature)', async () => {
    const [header, , signature] = oldToken.split('.');
    const claims = { ...decode(oldToken, 1), roles: ['user', 'admin'] };
    await expectRefused(`${header}.${b64url(claims)}.${signature}`);
  });

  it('should refuse a token signed by another Ed25519 key under the real kid', async () => {
    await expectRefused(signEdDSA(decode(oldToken, 0), decode(oldToken, 1), ed25519().privateKey));
  });

  it("should refuse an HS256 token whose HMAC key is the public key's bytes", async () => {
    const header = { ...decode(oldToken, 0), alg: 'HS256' };
    const input = `${b64url(header)}.${b64url(decode(oldToken, 1))}`;
    for (const key of [
      oldKey.publicPem,
      createPublicKey(oldKey.publicPem).export({ type: 'spki', format: 'der' }),
    ])
      await expectRefused(
        `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`,
      );
  });

  it('should refuse an expired token, genuinely signed', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = signEdDSA(
      decode(oldToken, 0),
      { ...decode(oldToken, 1), iat: now - 3600, exp: now - 600 },
      oldKey.privatePem,
    );
    await expectRefused(expired, 'token_expired');
  });

  describe('across a key rotation (README runbook)', () => {
    let newToken: string;

    it('should accept old and new tokens once signing switched, fetching the new key on its kid', async () => {
      await restartAuth({
        JWT_PRIVATE_KEY: oldKey.privatePem,
        JWT_NEXT_PUBLIC_KEY: newKey.publicPem,
      });
      await restartAuth({
        JWT_PRIVATE_KEY: newKey.privatePem,
        JWT_PREVIOUS_PUBLIC_KEYS: oldKey.publicPem,
      });
      newToken = await login();
      expect(decode(newToken, 0).kid).toBe(thumbprint(newKey.publicPem));
      expect((await getOrders(newToken)).status).toBe(200);
      expect((await getOrders(oldToken)).status).toBe(200);
    }, 120_000);

    it('should refuse old tokens once the old key is retired and its cached set expired', async () => {
      await restartAuth({ JWT_PRIVATE_KEY: newKey.privatePem });
      const deadline = Date.now() + 10_000;
      while ((await getOrders(oldToken)).status !== 401) {
        if (Date.now() > deadline) throw new Error('old key still trusted 10 s after retirement');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await expectRefused(oldToken);
      expect((await getOrders(newToken)).status).toBe(200);
    }, 120_000);
  });
});
