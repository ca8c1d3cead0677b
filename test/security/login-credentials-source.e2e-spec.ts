import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { PASSWORD, registerUser } from '../support/factories';

/**
 * Credentials come from the JSON body only (../shared/API.md, POST /auth/login). passport-local
 * looks in the query string when a body field is empty; were that reachable, the answer to an
 * empty body password would tell whether the URL's password was right, and a URL password would
 * escape the body's 72-byte rule.
 */
describe('Security: login credentials come from the body only', () => {
  let t: TestApp;
  let email: string;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    ({ email } = await registerUser(t));
  });
  afterAll(() => t.close());

  const withUrlPassword = (password: string, body: Record<string, unknown>) =>
    t
      .http()
      .post(`/auth/login?password=${encodeURIComponent(password)}`)
      .send(body);

  it('should refuse an empty body password with 400 when the URL carries the right one', async () => {
    const response = await withUrlPassword(PASSWORD, { email, password: '' }).expect(400);
    expect(response.body.message).toEqual(
      expect.arrayContaining([expect.stringMatching(/^password/)]),
    );
    expect(response.body).not.toHaveProperty('accessToken');
  });

  it('should answer a right and a wrong URL password with the same response', async () => {
    const right = await withUrlPassword(PASSWORD, { email, password: '' });
    const wrong = await withUrlPassword('wrong password', { email, password: '' });
    expect(right.status).toBe(wrong.status);
    expect(right.body).toEqual(wrong.body);
  });

  it('should refuse a body password shorter than any registrable one with 400', async () => {
    await t.http().post('/auth/login').send({ email, password: 'short' }).expect(400);
  });

  it('should check the body password even when the URL carries the right one', async () => {
    await withUrlPassword(PASSWORD, { email, password: 'wrong password' }).expect(401);
  });

  it('should not let a URL email stand in for an empty body email', async () => {
    await t
      .http()
      .post(`/auth/login?email=${encodeURIComponent(email)}`)
      .send({ email: '', password: PASSWORD })
      .expect(400);
  });
});
