import { PasswordService } from '../../src/auth/password.service';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { decodePart } from '../support/jwt';
import {
  PASSWORD,
  registerUser,
  signedInUser,
  SignedInUser,
  uniqueEmail,
} from '../support/factories';

/**
 * Input at the edges the happy path never sends: NUL characters, which PostgreSQL cannot store in
 * text, and 401s raised after the guard let a request through (../shared/API.md, "Errors").
 */
describe('Security: input edges', () => {
  let t: TestApp;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    admin = await signedInUser(t, { admin: true });
  });
  afterAll(() => t.close());
  afterEach(() => jest.restoreAllMocks());

  describe('a NUL character (U+0000) in any string field', () => {
    const nul = (value: string) => `${value.slice(0, 2)}\u0000${value.slice(2)}`;
    const product = { name: 'Walnut desk organiser', description: 'Oiled walnut', price: '19.99' };

    const expectRefused = (body: unknown, field: string) => {
      expect(body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: [`${field} must not contain the NUL character (U+0000)`],
      });
    };

    it('should refuse a register name with 400 before any password is hashed, creating no user', async () => {
      const hashes = jest.spyOn(t.app.get(PasswordService), 'hash');
      const email = uniqueEmail();
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email, password: PASSWORD, name: 'a\u0000b' })
        .expect(400);
      expectRefused(response.body, 'name');
      expect(hashes).not.toHaveBeenCalled();
      const users: unknown[] = await t.dataSource.query('SELECT id FROM users WHERE email = $1', [
        email,
      ]);
      expect(users).toEqual([]);
    });

    it.each(['email', 'password'])('should refuse a register %s', async (field) => {
      const body = { email: uniqueEmail(), password: PASSWORD, name: 'Ada' };
      const response = await t
        .http()
        .post('/auth/register')
        .send({ ...body, [field]: nul(body[field as keyof typeof body]) })
        .expect(400);
      expectRefused(response.body, field);
    });

    it.each(['email', 'password'])(
      'should refuse a login %s before any password is compared',
      async (field) => {
        const passwords = t.app.get(PasswordService);
        const compares = [
          jest.spyOn(passwords, 'verify'),
          jest.spyOn(passwords, 'verifyAgainstNothing'),
        ];
        const body = { email: admin.email, password: PASSWORD };
        const response = await t
          .http()
          .post('/auth/login')
          .send({ ...body, [field]: nul(body[field as keyof typeof body]) })
          .expect(400);
        expectRefused(response.body, field);
        for (const compare of compares) expect(compare).not.toHaveBeenCalled();
      },
    );

    it('should refuse a refresh token', async () => {
      const response = await t
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: nul(admin.tokens.refreshToken) })
        .expect(400);
      expectRefused(response.body, 'refreshToken');
    });

    it('should refuse a logout refresh token', async () => {
      const response = await t
        .http()
        .post('/auth/logout')
        .send({ refreshToken: nul(admin.tokens.refreshToken) })
        .expect(400);
      expectRefused(response.body, 'refreshToken');
    });

    it.each(['name', 'description', 'price'] as const)(
      'should refuse a product %s and store nothing',
      async (field) => {
        const name = `NUL product ${field}`;
        const response = await t
          .http()
          .post('/products')
          .set('Authorization', admin.bearer)
          .send({ ...product, name, [field]: nul(field === 'name' ? name : product[field]) })
          .expect(400);
        expectRefused(response.body, field);
        const stored: unknown[] = await t.dataSource.query(
          `SELECT id FROM products WHERE name LIKE 'NUL product%'`,
        );
        expect(stored).toEqual([]);
      },
    );

    it('should refuse a query parameter', async () => {
      const response = await t
        .http()
        .get('/products?limit=1%00')
        .set('Authorization', admin.bearer)
        .expect(400);
      expectRefused(response.body, 'limit');
    });
  });

  it('should answer 400, not 500, to a body nested thousands of levels deep', async () => {
    const depth = 20_000;
    const response = await t
      .http()
      .post('/auth/register')
      .set('Content-Type', 'application/json')
      .send(`{"email":"${uniqueEmail()}","name":${'['.repeat(depth)}"x"${']'.repeat(depth)}}`)
      .expect(400);
    expect(response.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: [`name${'.0'.repeat(31)} must not nest deeper than 32 levels`],
    });
  });

  describe('WWW-Authenticate on every 401', () => {
    const INVALID_TOKEN = 'Bearer realm="api", error="invalid_token"';

    it('should challenge when /auth/me finds the caller deleted after the token was issued', async () => {
      const user = await signedInUser(t);
      await t.dataSource.query('DELETE FROM users WHERE id = $1', [user.id]);
      const response = await t.http().get('/auth/me').set('Authorization', user.bearer).expect(401);
      expect(response.body.code).toBe('session_revoked');
      expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN);
    });

    it('should challenge a logout whose session was already revoked where this instance has not heard of it', async () => {
      const user = await signedInUser(t);
      const sessionId = decodePart(user.tokens.accessToken, 1).sid as string;
      // As another instance does it: the row changes, this process's revocation set does not.
      await t.dataSource.query(
        `UPDATE sessions SET revoked_at = now(), revoked_reason = 'logout' WHERE id = $1`,
        [sessionId],
      );
      const response = await t
        .http()
        .post('/auth/logout')
        .set('Authorization', user.bearer)
        .expect(401);
      expect(response.body.code).toBe('session_revoked');
      expect(response.headers['www-authenticate']).toBe(INVALID_TOKEN);
    });

    it('should challenge a second logout by refresh token, without invalid_token (no bearer token was sent)', async () => {
      const user = await signedInUser(t);
      const logout = () =>
        t.http().post('/auth/logout').send({ refreshToken: user.tokens.refreshToken });
      await logout().expect(204);
      const response = await logout().expect(401);
      expect(response.body.code).toBe('token_invalid');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should challenge a failed login', async () => {
      const { email } = await registerUser(t);
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email, password: 'wrong password' })
        .expect(401);
      expect(response.body.code).toBe('invalid_credentials');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should challenge a refused refresh token', async () => {
      const response = await t
        .http()
        .post('/auth/refresh')
        .send({ refreshToken: 'x'.repeat(43) })
        .expect(401);
      expect(response.body.code).toBe('token_invalid');
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });
  });
});
