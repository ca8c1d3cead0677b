import { createHash } from 'node:crypto';
import { Secret } from 'otpauth';
import { Role } from '../src/users/role.enum';
import { UsersService } from '../src/users/users.service';
import { decodePart } from './support/jwt';
import { login, PASSWORD, registerUser, signedInUser, SignedInUser } from './support/factories';
import { enrolTotp, EnrolledUser, forgetLastUsedStep, totpCode } from './support/mfa';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

/**
 * A second factor (../shared/API.md, "Multi-factor authentication"): TOTP enrolment with
 * recovery codes, the two-step login, replay protection, amr and step-up for admin routes.
 */
describe('MFA: TOTP and recovery codes', () => {
  const ORIGIN = 'http://app.example.test';
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ REQUIRE_MFA_FOR_ROLES: 'admin', CORS_ORIGINS: ORIGIN });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  const claimsOf = (accessToken: string) => decodePart(accessToken, 1);

  async function enrolledUser(
    options: { admin?: boolean } = {},
  ): Promise<SignedInUser & EnrolledUser> {
    const user = await signedInUser(t, options);
    return { ...user, ...(await enrolTotp(t, user.bearer)) };
  }

  async function challenge(email: string): Promise<string> {
    const response = await t.http().post('/auth/login').send({ email, password: PASSWORD });
    expect(response.status).toBe(200);
    return response.body.mfaToken as string;
  }

  const verify = (body: Record<string, unknown>, query = '') =>
    t.http().post(`/auth/mfa/verify${query}`).send(body);

  const auditTypes = async (userId: string): Promise<string[]> =>
    (
      await t.dataSource.query<{ type: string }[]>(
        'SELECT type FROM audit_events WHERE user_id = $1 ORDER BY created_at',
        [userId],
      )
    ).map((row) => row.type);

  describe('enrolment', () => {
    it('should answer setup with a base32 secret, its otpauth URL (SHA-1, 6 digits, 30 s) and an SVG QR code', async () => {
      const user = await signedInUser(t);
      const response = await t
        .http()
        .post('/auth/mfa/totp/setup')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body.secret).toMatch(/^[A-Z2-7]{32}$/);
      const url = new URL(response.body.otpauthUrl as string);
      expect(url.protocol).toBe('otpauth:');
      expect(url.searchParams.get('secret')).toBe(response.body.secret);
      expect(url.searchParams.get('algorithm')).toBe('SHA1');
      expect(url.searchParams.get('digits')).toBe('6');
      expect(url.searchParams.get('period')).toBe('30');
      expect(decodeURIComponent(url.pathname)).toContain(user.email);
      expect(response.body.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    });

    it('should enforce nothing before the setup is confirmed', async () => {
      const user = await signedInUser(t);
      await t.http().post('/auth/mfa/totp/setup').set('Authorization', user.bearer).expect(200);
      const tokens = await login(t, user.email);
      expect(tokens.accessToken).toEqual(expect.any(String));
    });

    it('should refuse setup without a bearer token', async () => {
      await t.http().post('/auth/mfa/totp/setup').expect(401);
    });

    it('should refuse a confirmation with a wrong code as 401 mfa_invalid, leaving MFA off', async () => {
      const user = await signedInUser(t);
      const setup = await t
        .http()
        .post('/auth/mfa/totp/setup')
        .set('Authorization', user.bearer)
        .expect(200);
      const wrong = totpCode(setup.body.secret as string, 5);
      const response = await t
        .http()
        .post('/auth/mfa/totp/confirm')
        .set('Authorization', user.bearer)
        .send({ code: wrong })
        .expect(401);
      expect(response.body.code).toBe('mfa_invalid');
      expect((await login(t, user.email)).accessToken).toEqual(expect.any(String));
    });

    it('should answer a confirmation without a setup with 409', async () => {
      const user = await signedInUser(t);
      await t
        .http()
        .post('/auth/mfa/totp/confirm')
        .set('Authorization', user.bearer)
        .send({ code: '123456' })
        .expect(409);
    });

    it('should refuse a code that is not six digits with 400', async () => {
      const user = await signedInUser(t);
      await t
        .http()
        .post('/auth/mfa/totp/confirm')
        .set('Authorization', user.bearer)
        .send({ code: '12345a' })
        .expect(400);
    });

    it('should answer the confirmation with ten distinct recovery codes, with Cache-Control no-store', async () => {
      const user = await signedInUser(t);
      const setup = await t
        .http()
        .post('/auth/mfa/totp/setup')
        .set('Authorization', user.bearer)
        .expect(200);
      const response = await t
        .http()
        .post('/auth/mfa/totp/confirm')
        .set('Authorization', user.bearer)
        .send({ code: totpCode(setup.body.secret as string) })
        .expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      const codes = response.body.recoveryCodes as string[];
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
    });

    it('should store the recovery codes only as SHA-256 hashes', async () => {
      const user = await enrolledUser();
      const rows = await t.dataSource.query<{ code_hash: Buffer }[]>(
        'SELECT code_hash FROM mfa_recovery_codes WHERE user_id = $1',
        [user.id],
      );
      const expected = user.recoveryCodes.map((code) =>
        createHash('sha256').update(code.replace(/-/g, '')).digest('hex'),
      );
      expect(rows.map((row) => row.code_hash.toString('hex')).sort()).toEqual(expected.sort());
    });

    it('should store the TOTP secret encrypted, never in clear', async () => {
      const user = await enrolledUser();
      const [row] = await t.dataSource.query<{ totp_secret_sealed: Buffer }[]>(
        'SELECT totp_secret_sealed FROM user_mfa WHERE user_id = $1',
        [user.id],
      );
      const sealed = row.totp_secret_sealed;
      const raw = Buffer.from(Secret.fromBase32(user.secret).bytes);
      expect(sealed.toString('latin1')).not.toContain(user.secret);
      expect(sealed.includes(raw)).toBe(false);
      // version byte, 12-byte IV, 16-byte tag, then the 32 characters of the secret
      expect(sealed.length).toBe(1 + 12 + 16 + 32);
    });

    it('should not return the secret again: a second setup while MFA is on is 409', async () => {
      const user = await enrolledUser();
      const response = await t
        .http()
        .post('/auth/mfa/totp/setup')
        .set('Authorization', user.bearer)
        .expect(409);
      expect(JSON.stringify(response.body)).not.toContain(user.secret);
    });

    it('should revoke every other session of the account when MFA is turned on, and keep this one', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      await enrolTotp(t, user.bearer);
      await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${other.accessToken}`)
        .expect(401);
      await t.http().post('/auth/refresh').send({ refreshToken: other.refreshToken }).expect(401);
      await t.http().get('/auth/me').set('Authorization', user.bearer).expect(200);
    });

    it('should record mfa_enabled in the audit log', async () => {
      const user = await enrolledUser();
      expect(await auditTypes(user.id)).toContain('mfa_enabled');
    });
  });

  describe('login with a second factor', () => {
    it('should answer the right password with a challenge and no tokens', async () => {
      const user = await enrolledUser();
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      expect(response.body).toEqual({
        mfaRequired: true,
        mfaToken: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        methods: ['totp', 'recovery_code'],
      });
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('should still refuse a wrong password with 401 invalid_credentials', async () => {
      const user = await enrolledUser();
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: 'not the password' })
        .expect(401);
      expect(response.body.code).toBe('invalid_credentials');
    });

    it('should exchange the mfaToken and a TOTP code for a token pair with amr ["pwd","otp"]', async () => {
      const user = await enrolledUser();
      const response = await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 1),
      }).expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body.refreshToken).toEqual(expect.any(String));
      expect(claimsOf(response.body.accessToken as string).amr).toEqual(['pwd', 'otp']);
      const info = await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', `Bearer ${response.body.accessToken}`)
        .expect(200);
      expect(info.body.amr).toEqual(['pwd', 'otp']);
    });

    it('should accept the code of the previous step (clock drift)', async () => {
      const user = await enrolledUser();
      await forgetLastUsedStep(t, user.id);
      await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, -1),
      }).expect(200);
    });

    it('should refuse the code of two steps ago', async () => {
      const user = await enrolledUser();
      await forgetLastUsedStep(t, user.id);
      const response = await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, -2),
      }).expect(401);
      expect(response.body.code).toBe('mfa_invalid');
    });

    it('should keep amr ["pwd","otp"] through a refresh', async () => {
      const user = await enrolledUser();
      const pair = await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 1),
      }).expect(200);
      const refreshed = await t
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: pair.body.refreshToken })
        .expect(200);
      expect(claimsOf(refreshed.body.accessToken as string).amr).toEqual(['pwd', 'otp']);
    });

    it('should give a password-only login amr ["pwd"]', async () => {
      const user = await signedInUser(t);
      expect(claimsOf(user.tokens.accessToken).amr).toEqual(['pwd']);
    });

    it('should refuse a wrong code with 401 mfa_invalid and record mfa_failed', async () => {
      const user = await enrolledUser();
      const response = await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 4),
      }).expect(401);
      expect(response.body.code).toBe('mfa_invalid');
      expect(await auditTypes(user.id)).toContain('mfa_failed');
    });

    it('should refuse a code already used (replay within its window) with 401 mfa_invalid', async () => {
      const user = await enrolledUser();
      const code = totpCode(user.secret, 1);
      await verify({ mfaToken: await challenge(user.email), code }).expect(200);
      const replay = await verify({ mfaToken: await challenge(user.email), code }).expect(401);
      expect(replay.body.code).toBe('mfa_invalid');
    });

    it('should refuse the code used to confirm the enrolment', async () => {
      const user = await enrolledUser();
      await verify({ mfaToken: await challenge(user.email), code: totpCode(user.secret) }).expect(
        401,
      );
    });

    it('should refuse an older code once a newer one was used', async () => {
      const user = await enrolledUser();
      await forgetLastUsedStep(t, user.id);
      await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 1),
      }).expect(200);
      await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 0),
      }).expect(401);
    });

    it('should accept an mfaToken once', async () => {
      const user = await enrolledUser();
      const mfaToken = await challenge(user.email);
      await verify({ mfaToken, code: totpCode(user.secret, 1) }).expect(200);
      await forgetLastUsedStep(t, user.id);
      const again = await verify({ mfaToken, code: totpCode(user.secret, 1) }).expect(401);
      expect(again.body.code).toBe('token_invalid');
    });

    it('should kill the mfaToken after 5 wrong codes, even for the right code then', async () => {
      const user = await enrolledUser();
      const mfaToken = await challenge(user.email);
      for (let i = 0; i < 5; i++) {
        const wrong = await verify({ mfaToken, code: totpCode(user.secret, 5 + i) }).expect(401);
        expect(wrong.body.code).toBe('mfa_invalid');
      }
      const right = await verify({ mfaToken, code: totpCode(user.secret, 1) }).expect(401);
      expect(right.body.code).toBe('token_invalid');
    });

    it('should let the mfaToken live 5 minutes', async () => {
      const user = await enrolledUser();
      await challenge(user.email);
      const [row] = await t.dataSource.query<{ lifetime: number }[]>(
        `SELECT EXTRACT(EPOCH FROM expires_at - created_at)::int AS lifetime
         FROM mfa_challenges WHERE user_id = $1`,
        [user.id],
      );
      expect(row.lifetime).toBe(300);
    });

    it('should refuse an expired mfaToken with 401 token_invalid', async () => {
      const user = await enrolledUser();
      const mfaToken = await challenge(user.email);
      await t.dataSource.query(
        `UPDATE mfa_challenges SET expires_at = now() - interval '1 second' WHERE user_id = $1`,
        [user.id],
      );
      const response = await verify({ mfaToken, code: totpCode(user.secret, 1) }).expect(401);
      expect(response.body.code).toBe('token_invalid');
    });

    it('should keep only a hash of the mfaToken', async () => {
      const user = await enrolledUser();
      const mfaToken = await challenge(user.email);
      const [row] = await t.dataSource.query<{ token_hash: Buffer }[]>(
        'SELECT token_hash FROM mfa_challenges WHERE user_id = $1',
        [user.id],
      );
      expect(row.token_hash.toString('hex')).toBe(
        createHash('sha256').update(mfaToken).digest('hex'),
      );
    });

    it('should refuse a body with both code and recoveryCode, or neither, with 400', async () => {
      const user = await enrolledUser();
      const mfaToken = await challenge(user.email);
      await verify({ mfaToken }).expect(400);
      await verify({ mfaToken, code: '123456', recoveryCode: user.recoveryCodes[0] }).expect(400);
    });

    it('should refuse a malformed mfaToken with 400', async () => {
      await verify({ mfaToken: 'x', code: '123456' }).expect(400);
    });
  });

  describe('recovery codes', () => {
    it('should log in once with a recovery code, with amr ["pwd","otp"], and record recovery_code_used', async () => {
      const user = await enrolledUser();
      const response = await verify({
        mfaToken: await challenge(user.email),
        recoveryCode: user.recoveryCodes[3],
      }).expect(200);
      expect(claimsOf(response.body.accessToken as string).amr).toEqual(['pwd', 'otp']);
      expect(await auditTypes(user.id)).toContain('recovery_code_used');
    });

    it('should refuse a recovery code the second time', async () => {
      const user = await enrolledUser();
      const recoveryCode = user.recoveryCodes[0];
      await verify({ mfaToken: await challenge(user.email), recoveryCode }).expect(200);
      const again = await verify({ mfaToken: await challenge(user.email), recoveryCode }).expect(
        401,
      );
      expect(again.body.code).toBe('mfa_invalid');
    });

    it("should refuse another account's recovery code", async () => {
      const user = await enrolledUser();
      const other = await enrolledUser();
      await verify({
        mfaToken: await challenge(user.email),
        recoveryCode: other.recoveryCodes[0],
      }).expect(401);
    });
  });

  describe('browser mode', () => {
    it('should answer a cookie-mode login with the challenge and set no cookie', async () => {
      const user = await enrolledUser();
      const response = await t
        .http()
        .post('/auth/login?mode=cookie')
        .set('Origin', ORIGIN)
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      expect(response.body.mfaRequired).toBe(true);
      expect(response.headers['set-cookie']).toBeUndefined();
    });

    it('should put the refresh token in its cookie on a cookie-mode verify, and a csrfToken in the body', async () => {
      const user = await enrolledUser();
      const mfaToken = (
        await t
          .http()
          .post('/auth/login?mode=cookie')
          .set('Origin', ORIGIN)
          .send({ email: user.email, password: PASSWORD })
          .expect(200)
      ).body.mfaToken as string;
      const response = await verify({ mfaToken, code: totpCode(user.secret, 1) }, '?mode=cookie')
        .set('Origin', ORIGIN)
        .expect(200);
      expect(response.body.refreshToken).toBeUndefined();
      expect(response.body.csrfToken).toEqual(expect.any(String));
      const cookies = (response.headers['set-cookie'] as unknown as string[]).join('\n');
      expect(cookies).toMatch(/refresh_token=[^;]+;.*HttpOnly/);
      expect(claimsOf(response.body.accessToken as string).amr).toEqual(['pwd', 'otp']);
    });
  });

  describe('disable', () => {
    async function signedInWithSecondFactor() {
      const user = await enrolledUser();
      const pair = await verify({
        mfaToken: await challenge(user.email),
        code: totpCode(user.secret, 1),
      }).expect(200);
      await forgetLastUsedStep(t, user.id);
      return { ...user, bearer: `Bearer ${pair.body.accessToken}` };
    }
    const disable = (bearer: string, body: Record<string, unknown>) =>
      t.http().post('/auth/mfa/totp/disable').set('Authorization', bearer).send(body);

    it('should turn MFA off with the password and a code: the next login gives tokens, and mfa_disabled is recorded', async () => {
      const user = await signedInWithSecondFactor();
      await disable(user.bearer, { password: PASSWORD, code: totpCode(user.secret) }).expect(204);
      expect((await login(t, user.email)).accessToken).toEqual(expect.any(String));
      expect(await auditTypes(user.id)).toContain('mfa_disabled');
      const rows = await t.dataSource.query<unknown[]>(
        'SELECT 1 FROM mfa_recovery_codes WHERE user_id = $1',
        [user.id],
      );
      expect(rows).toHaveLength(0);
    });

    it('should turn MFA off with the password and a recovery code', async () => {
      const user = await signedInWithSecondFactor();
      await disable(user.bearer, { password: PASSWORD, code: user.recoveryCodes[9] }).expect(204);
    });

    it('should refuse a wrong password with 401 invalid_credentials, keeping MFA on', async () => {
      const user = await signedInWithSecondFactor();
      const response = await disable(user.bearer, {
        password: 'not the password',
        code: totpCode(user.secret),
      }).expect(401);
      expect(response.body.code).toBe('invalid_credentials');
      expect((await challenge(user.email)).length).toBe(43);
    });

    it('should refuse a wrong code with 401 mfa_invalid, keeping MFA on', async () => {
      const user = await signedInWithSecondFactor();
      const response = await disable(user.bearer, {
        password: PASSWORD,
        code: totpCode(user.secret, 6),
      }).expect(401);
      expect(response.body.code).toBe('mfa_invalid');
      expect((await challenge(user.email)).length).toBe(43);
    });

    it('should answer 409 when MFA is not on', async () => {
      const user = await signedInUser(t);
      await disable(user.bearer, { password: PASSWORD, code: '123456' }).expect(409);
    });
  });

  describe('REQUIRE_MFA_FOR_ROLES=admin (step-up)', () => {
    const product = { name: 'Step-up lamp', price: '19.99' };

    it('should refuse an admin route to an admin token without a second factor: 403 mfa_required', async () => {
      const admin = await signedInUser(t, { admin: true });
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', admin.bearer)
        .send(product)
        .expect(403);
      expect(response.body.code).toBe('mfa_required');
    });

    it('should let an admin token with a second factor through', async () => {
      const admin = await enrolledUser();
      await t.app.get(UsersService).grantRole(admin.email, Role.Admin);
      const pair = await verify({
        mfaToken: await challenge(admin.email),
        code: totpCode(admin.secret, 1),
      }).expect(200);
      await t
        .http()
        .post('/products')
        .set('Authorization', `Bearer ${pair.body.accessToken}`)
        .send(product)
        .expect(201);
    });

    it('should still answer a plain user 403 insufficient_role', async () => {
      const user = await signedInUser(t);
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', user.bearer)
        .send(product)
        .expect(403);
      expect(response.body.code).toBe('insufficient_role');
    });

    it('should leave routes that need no such role alone', async () => {
      const admin = await signedInUser(t, { admin: true });
      await t.http().get('/products').set('Authorization', admin.bearer).expect(200);
    });
  });

  it('should register users the usual way (sanity of the factories)', async () => {
    await registerUser(t);
  });
});
