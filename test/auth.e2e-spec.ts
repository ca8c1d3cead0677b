import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { login, PASSWORD, registerUser, signedInUser, uniqueEmail } from './support/factories';

describe('Register and log in (../shared/API.md, /auth/register and /auth/login)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  describe('POST /auth/register', () => {
    it('should create a user with the user role and return it without any secret', async () => {
      const email = uniqueEmail();
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email, password: PASSWORD, name: 'Ada' })
        .expect(201);
      expect(response.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email,
        name: 'Ada',
        roles: ['user'],
        emailVerified: false,
        createdAt: expect.any(String),
      });
      expect(JSON.stringify(response.body)).not.toMatch(/\$2[aby]\$|password/i);
    });

    it('should trim the email and compare it case-insensitively', async () => {
      const email = uniqueEmail();
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: `  ${email.toUpperCase()} `, password: PASSWORD })
        .expect(201);
      expect(response.body.email).toBe(email);
      await t
        .http()
        .post('/auth/register')
        .send({ email: email.toUpperCase(), password: PASSWORD })
        .expect(409);
    });

    it('should answer 409 when the email is already registered', async () => {
      const { email } = await registerUser(t);
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email, password: PASSWORD })
        .expect(409);
      expect(response.body).toEqual({
        statusCode: 409,
        error: 'Conflict',
        message: 'Email already registered',
      });
    });

    it('should refuse an invalid email with a field message', async () => {
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: 'not-an-email', password: PASSWORD })
        .expect(400);
      expect(response.body.message).toEqual(
        expect.arrayContaining([expect.stringMatching(/^email/)]),
      );
    });

    it('should refuse a password shorter than 8 characters', async () => {
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: 'short' })
        .expect(400);
      expect(response.body.message).toEqual(
        expect.arrayContaining([expect.stringMatching(/^password/)]),
      );
    });

    it('should refuse a password over 72 bytes instead of truncating it', async () => {
      // 36 two-byte characters: 36 characters, 72 bytes, fine; one more ASCII makes 73 bytes.
      const atLimit = 'é'.repeat(36);
      await t
        .http()
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: atLimit })
        .expect(201);
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: `${atLimit}x` })
        .expect(400);
      expect(response.body.message).toEqual(['password must be at most 72 bytes of UTF-8']);
    });

    it('should refuse unknown fields such as roles', async () => {
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, roles: ['admin'] })
        .expect(400);
      expect(response.body.message).toEqual(['property roles should not exist']);
    });

    it('should answer 400, not 500, for malformed JSON', async () => {
      const response = await t
        .http()
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('{"email": "a@b.c", ')
        .expect(400);
      expect(response.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: "Body is not valid JSON but content-type is set to 'application/json'",
      });
    });

    it('should answer 413 for a body over 100 kB', async () => {
      const response = await t
        .http()
        .post('/auth/register')
        .send({ email: uniqueEmail(), password: PASSWORD, name: 'x'.repeat(101 * 1024) })
        .expect(413);
      expect(response.body).toEqual({
        statusCode: 413,
        error: 'Payload Too Large',
        message: 'Request body is larger than 100 kB',
      });
    });

    it('should answer 400 for a body that is not an object', async () => {
      await t
        .http()
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('[1,2]')
        .expect(400);
      await t
        .http()
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('"text"')
        .expect(400);
    });
  });

  describe('POST /auth/login', () => {
    it('should return a token pair with Cache-Control: no-store', async () => {
      const { email } = await registerUser(t);
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email, password: PASSWORD })
        .expect(200);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toEqual({
        tokenType: 'Bearer',
        accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
        expiresIn: 900,
        refreshToken: expect.stringMatching(/^[\w-]{43}$/),
        refreshExpiresIn: expect.any(Number),
      });
      expect(response.body.refreshExpiresIn).toBeGreaterThan(604_000);
    });

    it('should accept the email in any case and with spaces', async () => {
      const { email } = await registerUser(t);
      await t
        .http()
        .post('/auth/login')
        .send({ email: ` ${email.toUpperCase()}`, password: PASSWORD })
        .expect(200);
    });

    it('should give the same 401 for a wrong password and an unknown email', async () => {
      const { email } = await registerUser(t);
      const wrongPassword = await t
        .http()
        .post('/auth/login')
        .send({ email, password: 'wrong password' })
        .expect(401);
      const unknownEmail = await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: 'wrong password' })
        .expect(401);
      const expected = {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid email or password',
        code: 'invalid_credentials',
      };
      expect(wrongPassword.body).toEqual(expected);
      expect(unknownEmail.body).toEqual(expected);
      expect(wrongPassword.headers['www-authenticate']).toBe(
        unknownEmail.headers['www-authenticate'],
      );
    });

    it('should answer 400 with field messages for a missing password', async () => {
      const response = await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail() })
        .expect(400);
      expect(response.body.message).toEqual(
        expect.arrayContaining([expect.stringMatching(/^password/)]),
      );
    });

    it('should answer 400 for unknown fields', async () => {
      await t
        .http()
        .post('/auth/login')
        .send({ email: uniqueEmail(), password: PASSWORD, admin: true })
        .expect(400);
    });

    it('should not take credentials from the query string', async () => {
      const { email } = await registerUser(t);
      await t
        .http()
        .post(
          `/auth/login?email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}`,
        )
        .send({})
        .expect(400);
    });

    it('should open one session per login', async () => {
      const user = await signedInUser(t);
      await login(t, user.email);
      const sessions = await t
        .http()
        .get('/auth/sessions')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(sessions.body).toHaveLength(2);
    });
  });

  describe('GET /auth/me and /auth/token-info', () => {
    it('should return the caller', async () => {
      const user = await signedInUser(t);
      const response = await t.http().get('/auth/me').set('Authorization', user.bearer).expect(200);
      expect(response.body).toMatchObject({ id: user.id, email: user.email, roles: ['user'] });
    });

    it("should describe the caller's token", async () => {
      const user = await signedInUser(t);
      const response = await t
        .http()
        .get('/auth/token-info')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(response.body).toEqual({
        userId: user.id,
        sessionId: expect.any(String),
        roles: ['user'],
        amr: ['pwd'],
        expiresAt: expect.any(String),
      });
    });

    it('should answer 401 with a bearer challenge when no token is sent', async () => {
      const response = await t.http().get('/auth/me').expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
      expect(response.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Missing bearer token',
        code: 'token_missing',
      });
    });
  });
});
