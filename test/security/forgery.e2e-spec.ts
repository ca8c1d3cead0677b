import { createHmac, generateKeyPairSync, randomBytes, sign as rsaSign } from 'node:crypto';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { signedInUser, SignedInUser } from '../support/factories';
import { b64url, decodePart, signHs256 } from '../support/jwt';

/**
 * Forgery and confusion attacks from RFC 8725, the OWASP JWT cheat sheet and jwt_tool's checks.
 * Each must answer 401 (never 5xx), leak nothing, and leave the caller unauthenticated.
 */
describe('Security: forged and confused access tokens', () => {
  const secret = randomBytes(48).toString('base64url');
  let t: TestApp;
  let user: SignedInUser;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    t = await createTestApp({ JWT_SECRET: secret });
    await resetDatabase(t.dataSource);
    user = await signedInUser(t);
    header = decodePart(user.tokens.accessToken, 0);
    claims = { ...decodePart(user.tokens.accessToken, 1), roles: ['user', 'admin'] };
  });
  afterAll(() => t.close());

  /** Sends the token to an admin route: a forgery that worked would also escalate. */
  async function expectRejected(token: string, status = 401) {
    const response = await t
      .http()
      .post('/products')
      .set('Authorization', `Bearer ${token}`)
      .send({ name: 'pwned', price: '1.00' });
    expect(response.status).toBe(status);
    const body = JSON.stringify(response.body);
    expect(body).not.toContain(secret);
    expect(body).not.toMatch(
      /stack|at \/|\.ts:|node_modules|SELECT|jsonwebtoken|JsonWebTokenError/i,
    );
    if (status === 401) expect(response.body.code).toMatch(/^token_(invalid|expired|missing)$/);
    const products: { name: string }[] = await t.dataSource.query(
      `SELECT name FROM products WHERE name = 'pwned'`,
    );
    expect(products).toEqual([]);
  }

  const hs256 = (h: object, c: object, key: string | Buffer = secret) => signHs256(h, c, key);
  const withSignature = (h: object, c: object, signature: string) =>
    `${b64url(h)}.${b64url(c)}.${signature}`;

  it('should refuse an edited payload under the original signature', async () => {
    const [h, , s] = user.tokens.accessToken.split('.');
    await expectRejected(`${h}.${b64url(claims)}.${s}`);
  });

  it('should refuse an edited header under the original signature', async () => {
    const [, p, s] = user.tokens.accessToken.split('.');
    await expectRejected(`${b64url({ ...header, kid: `${header.kid as string}x` })}.${p}.${s}`);
  });

  it('should refuse a stripped signature', async () => {
    const [h, p] = user.tokens.accessToken.split('.');
    await expectRejected(`${h}.${p}.`);
  });

  it('should refuse a signature swapped in from another valid token', async () => {
    const other = await signedInUser(t);
    const [h, p] = user.tokens.accessToken.split('.');
    await expectRejected(`${h}.${p}.${other.tokens.accessToken.split('.')[2]}`);
  });

  it.each(['none', 'None', 'NONE', 'nOnE'])('should refuse alg "%s"', async (alg) => {
    await expectRejected(`${b64url({ ...header, alg })}.${b64url(claims)}.`);
    await expectRejected(withSignature({ ...header, alg }, claims, 'c2ln'));
  });

  it.each(['HS384', 'HS512'])(
    'should refuse another HMAC algorithm (%s) even with the right key',
    async (alg) => {
      const h = { ...header, alg };
      const input = `${b64url(h)}.${b64url(claims)}`;
      const digest = alg === 'HS384' ? 'sha384' : 'sha512';
      await expectRejected(
        `${input}.${createHmac(digest, secret).update(input).digest('base64url')}`,
      );
    },
  );

  it('should refuse RS256 (asymmetric) tokens', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const h = { ...header, alg: 'RS256' };
    const input = `${b64url(h)}.${b64url(claims)}`;
    await expectRejected(
      `${input}.${rsaSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`,
    );
  });

  it('should refuse the algorithm-confusion attack: HS256 signed with a public key', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = publicKey.export({ type: 'spki', format: 'pem' });
    await expectRejected(hs256({ ...header, kid: 'rsa' }, claims, pem));
    await expectRejected(hs256(header, claims, pem));
  });

  it('should refuse a "psychic" all-zero signature', async () => {
    await expectRejected(withSignature(header, claims, Buffer.alloc(32).toString('base64url')));
    await expectRejected(
      withSignature({ ...header, alg: 'ES256' }, claims, Buffer.alloc(64).toString('base64url')),
    );
  });

  it.each([
    ['path traversal', '../../../../../../dev/null'],
    ['SQL injection', "x' UNION SELECT 'secret'--"],
    ['command injection', 'key|whoami'],
    ['an empty kid', ''],
    ['an unknown kid', 'no-such-key'],
  ])(
    'should refuse a kid with %s, even signed with an empty or guessed key',
    async (_label, kid) => {
      await expectRejected(hs256({ ...header, kid }, claims, ''));
      await expectRejected(hs256({ ...header, kid }, claims, 'secret'));
      await expectRejected(hs256({ ...header, kid }, claims));
    },
  );

  it('should refuse a kid that is not a string', async () => {
    await expectRejected(hs256({ ...header, kid: 0 }, claims));
  });

  it.each([
    ['jku', { jku: 'https://attacker.example/jwks.json' }],
    ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
    ['jwk', { jwk: { kty: 'oct', k: Buffer.from('attacker').toString('base64url') } }],
    ['x5c', { x5c: ['MIIB'] }],
  ])('should refuse a %s header, even on an otherwise valid token', async (_name, extra) => {
    await expectRejected(hs256({ ...header, ...extra }, claims));
  });

  it('should refuse a crit header naming extensions it does not implement', async () => {
    await expectRejected(hs256({ ...header, crit: ['exp'], exp: 1 }, claims));
  });

  it.each([1, 2, 3])(
    'should refuse the genuine signature respelled with its unused low bits set to %i',
    async (bits) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const token = user.tokens.accessToken;
      const last = alphabet[alphabet.indexOf(token.at(-1)!) ^ bits];
      const respelled = `${token.slice(0, -1)}${last}`;
      expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(
        Buffer.from(token.split('.')[2], 'base64url'),
      );
      const response = await t.http().get('/auth/me').set('Authorization', `Bearer ${respelled}`);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('token_invalid');
      await expectRejected(respelled);
    },
  );

  it('should refuse a refresh token used as an access token', async () => {
    await expectRejected(user.tokens.refreshToken);
  });

  it('should refuse an access token used as a refresh token', async () => {
    const response = await t
      .http()
      .post('/auth/refresh')
      .send({ refreshToken: user.tokens.accessToken })
      .expect(401);
    expect(response.body.code).toBe('token_invalid');
  });

  it('should refuse a token over 8 kB without parsing it', async () => {
    await expectRejected(hs256(header, { ...claims, pad: 'x'.repeat(8 * 1024) }));
  });

  it.each([1, 2, 4, 5])('should refuse a token with %i part(s)', async (parts) => {
    const real = user.tokens.accessToken.split('.');
    const pieces = Array.from({ length: parts }, (_, i) => real[i % 3]);
    await expectRejected(pieces.join('.'));
  });

  it.each([
    ['a non-base64url header', (h: string, p: string, s: string) => `${h}*.${p}.${s}`],
    ['a non-base64url payload', (h: string, p: string, s: string) => `${h}.${p}!.${s}`],
    ['a non-base64url signature', (h: string, p: string, s: string) => `${h}.${p}.${s}$`],
    [
      'a header that is not JSON',
      (_h: string, p: string, s: string) => `${b64url('not json')}.${p}.${s}`,
    ],
    [
      'a payload that is not JSON',
      (h: string, _p: string, s: string) => `${h}.${b64url('not json')}.${s}`,
    ],
    [
      'a header that is a JSON array',
      (_h: string, p: string, s: string) => `${b64url([1])}.${p}.${s}`,
    ],
  ])('should refuse %s', async (_label, build) => {
    const [h, p, s] = user.tokens.accessToken.split('.');
    await expectRejected(build(h, p, s));
  });

  it('should refuse a correctly signed token whose payload is not a JSON object', async () => {
    const h = b64url(header);
    const p = b64url('"just a string"');
    const input = `${h}.${p}`;
    await expectRejected(
      `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`,
    );
  });

  it('should refuse a correctly signed token with a non-numeric exp', async () => {
    await expectRejected(hs256(header, { ...claims, exp: 'never' }));
  });

  it('should refuse a correctly signed token without exp', async () => {
    const { exp: _exp, ...withoutExp } = claims;
    await expectRejected(hs256(header, withoutExp));
  });

  it('should refuse a token whose nbf lies in the future', async () => {
    await expectRejected(hs256(header, { ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 }));
  });

  it.each(['Bearer', 'Bearer ', 'Bearer  ', 'Token abc', 'bearer', `Bearer ${'a'.repeat(9000)}`])(
    'should refuse the Authorization header %j',
    async (value) => {
      const response = await t.http().get('/auth/token-info').set('Authorization', value);
      expect(response.status).toBe(401);
    },
  );

  it('should still accept the genuine token after all of the above', async () => {
    await t.http().get('/auth/token-info').set('Authorization', user.bearer).expect(200);
  });
});
