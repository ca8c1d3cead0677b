import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as rsaSign,
} from 'node:crypto';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { signedInUser, SignedInUser } from '../support/factories';
import { b64url, decodePart, signatureOver, signHs256, signJws, testKeyPair } from '../support/jwt';

/**
 * Forgery and confusion attacks from RFC 8725, the OWASP JWT cheat sheet and jwt_tool's checks,
 * run once per JWT_ALGORITHM. Each must answer 401 (never 5xx), leak nothing, and leave the
 * caller unauthenticated.
 */
describe.each(['HS256', 'EdDSA', 'ES256'] as const)(
  'Security: forged and confused access tokens with %s',
  (algorithm) => {
    const secret = randomBytes(48).toString('base64url');
    const pair = algorithm === 'HS256' ? undefined : testKeyPair(algorithm);
    /** What an attacker could hold without any leak: nothing with HS256, the public key otherwise. */
    const publicPem = pair?.publicPem;
    /** The service's own signing key: a token it signs is genuine, the control for each attack. */
    const signingKey = pair?.privatePem ?? secret;
    /** Unused bits of the signature's last base64url character: 2 for 32 bytes, 4 for 64. */
    const unusedBits = algorithm === 'HS256' ? [1, 2, 3] : [1, 2, 4, 8, 15];
    let t: TestApp;
    let user: SignedInUser;
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      t = await createTestApp(
        pair
          ? { JWT_ALGORITHM: algorithm, JWT_PRIVATE_KEY: pair.privatePem }
          : { JWT_SECRET: secret },
      );
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
      if (pair) expect(body).not.toContain(pair.privatePem.split('\n')[1]);
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
    /** Signed by the service's real key: only the header or claims make these forgeries. */
    const genuine = (h: object, c: object) => signJws(algorithm, h, c, signingKey);
    /** A compact JWS over any text (a payload that is not JSON, say), with the real key. */
    const signRaw = (input: string) => `${input}.${signatureOver(algorithm, input, signingKey)}`;
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
      'should refuse another HMAC algorithm (%s) even with the right key (or the public key)',
      async (alg) => {
        const h = { ...header, alg };
        const input = `${b64url(h)}.${b64url(claims)}`;
        const digest = alg === 'HS384' ? 'sha384' : 'sha512';
        await expectRejected(
          `${input}.${createHmac(digest, publicPem ?? secret)
            .update(input)
            .digest('base64url')}`,
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
      await expectRejected(hs256({ ...header, alg: 'HS256', kid: 'rsa' }, claims, pem));
      await expectRejected(hs256({ ...header, alg: 'HS256' }, claims, pem));
    });

    if (pair) {
      it("should refuse HS256 signed with the service's own published public key (PEM, DER or JWK text), under its kid", async () => {
        const own = createPublicKey(pair.publicPem);
        const h = { ...header, alg: 'HS256' };
        for (const key of [
          pair.publicPem,
          pair.publicPem.trim(),
          own.export({ type: 'spki', format: 'der' }),
          JSON.stringify(own.export({ format: 'jwk' })),
        ])
          await expectRejected(hs256(h, claims, key));
      });

      it('should refuse a token of the other asymmetric algorithm, genuine for its own key', async () => {
        const other = algorithm === 'EdDSA' ? 'ES256' : 'EdDSA';
        const stranger = testKeyPair(other);
        await expectRejected(
          signJws(other, { ...header, alg: other }, claims, stranger.privatePem),
        );
      });

      it(`should refuse ${algorithm} signed by another key of the same kind under the right kid`, async () => {
        await expectRejected(
          signJws(
            algorithm,
            header,
            claims,
            testKeyPair(algorithm as 'EdDSA' | 'ES256').privatePem,
          ),
        );
      });
    } else {
      it.each(['EdDSA', 'ES256'] as const)(
        'should refuse %s tokens, genuine for the key that signed them',
        async (alg) => {
          const stranger = testKeyPair(alg);
          await expectRejected(signJws(alg, { ...header, alg }, claims, stranger.privatePem));
        },
      );
    }

    it('should refuse a "psychic" all-zero signature', async () => {
      const length = algorithm === 'HS256' ? 32 : 64;
      await expectRejected(
        withSignature(header, claims, Buffer.alloc(length).toString('base64url')),
      );
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
        await expectRejected(genuine({ ...header, kid }, claims));
      },
    );

    it('should refuse a kid that is not a string', async () => {
      await expectRejected(genuine({ ...header, kid: 0 }, claims));
    });

    it.each([
      ['jku', { jku: 'https://attacker.example/jwks.json' }],
      ['x5u', { x5u: 'https://attacker.example/cert.pem' }],
      ['jwk', { jwk: { kty: 'oct', k: Buffer.from('attacker').toString('base64url') } }],
      ['x5c', { x5c: ['MIIB'] }],
    ])('should refuse a %s header, even on an otherwise valid token', async (_name, extra) => {
      await expectRejected(genuine({ ...header, ...extra }, claims));
    });

    it('should refuse a crit header naming extensions it does not implement', async () => {
      await expectRejected(genuine({ ...header, crit: ['exp'], exp: 1 }, claims));
    });

    it.each(unusedBits)(
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
        .send({ refreshToken: user.tokens.accessToken });
      // A 64-byte signature makes the token longer than a refresh token may be (512): a 400 then.
      if (user.tokens.accessToken.length > 512) expect(response.status).toBe(400);
      else expect(response.body).toMatchObject({ statusCode: 401, code: 'token_invalid' });
      expect(response.body.accessToken).toBeUndefined();
    });

    it('should refuse a token over 8 kB without parsing it', async () => {
      await expectRejected(genuine(header, { ...claims, pad: 'x'.repeat(8 * 1024) }));
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
      await expectRejected(signRaw(`${h}.${p}`));
    });

    it('should refuse a correctly signed token with a non-numeric exp', async () => {
      await expectRejected(genuine(header, { ...claims, exp: 'never' }));
    });

    it('should refuse a correctly signed token without exp', async () => {
      const { exp: _exp, ...withoutExp } = claims;
      await expectRejected(genuine(header, withoutExp));
    });

    it('should refuse a token whose nbf lies in the future', async () => {
      await expectRejected(
        genuine(header, { ...claims, nbf: Math.floor(Date.now() / 1000) + 3600 }),
      );
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
  },
);
