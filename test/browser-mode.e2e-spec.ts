import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { PASSWORD, registerUser } from './support/factories';

interface Cookie {
  name: string;
  value: string;
  attributes: string[];
}

function cookiesOf(response: { headers: Record<string, unknown> }): Map<string, Cookie> {
  const header = (response.headers['set-cookie'] as string[] | undefined) ?? [];
  return new Map(
    header.map((line) => {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const [name, ...value] = pair.split('=');
      return [name, { name, value: value.join('='), attributes }];
    }),
  );
}

/**
 * Browser mode (../shared/API.md, "Browser mode"): the refresh token in an HttpOnly cookie, and
 * every request that spends it proving it is same-site (Origin + double-submit CSRF token).
 */
describe('Browser mode: refresh token in a cookie, with CSRF defence', () => {
  const ORIGIN = 'http://app.example.test';
  let t: TestApp;
  let email: string;

  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: ORIGIN });
    await resetDatabase(t.dataSource);
    ({ email } = await registerUser(t));
  });
  afterAll(() => t.close());

  async function browserLogin() {
    const response = await t
      .http()
      .post('/auth/login?mode=cookie')
      .set('Origin', ORIGIN)
      .send({ email, password: PASSWORD })
      .expect(200);
    const cookies = cookiesOf(response);
    return {
      response,
      refresh: cookies.get('refresh_token')!,
      csrf: cookies.get('csrf_token')!,
      cookieHeader: `refresh_token=${cookies.get('refresh_token')!.value}; csrf_token=${cookies.get('csrf_token')!.value}`,
      csrfToken: response.body.csrfToken as string,
      accessToken: response.body.accessToken as string,
    };
  }

  it('should put the refresh token in an HttpOnly, SameSite=Strict cookie scoped to /auth, not in the body', async () => {
    const { response, refresh, csrf, csrfToken } = await browserLogin();
    expect(response.body.refreshToken).toBeUndefined();
    expect(response.body).toMatchObject({
      tokenType: 'Bearer',
      accessToken: expect.any(String),
      csrfToken: expect.any(String),
    });
    expect(refresh.value).toMatch(/^[\w-]{43}$/);
    expect(refresh.attributes).toEqual(
      expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/auth']),
    );
    expect(refresh.attributes.some((a) => a.startsWith('Max-Age='))).toBe(true);
    // The CSRF cookie is readable by the page (double submit) and equals the body's token.
    expect(csrf.attributes).not.toContain('HttpOnly');
    expect(csrf.value).toBe(csrfToken);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  it('should refresh from the cookie with the CSRF header and an allowed Origin, rotating the cookie', async () => {
    const session = await browserLogin();
    const response = await t
      .http()
      .post('/auth/refresh')
      .set('Origin', ORIGIN)
      .set('Cookie', session.cookieHeader)
      .set('X-CSRF-Token', session.csrfToken)
      .send({})
      .expect(200);
    expect(response.body.refreshToken).toBeUndefined();
    const rotated = cookiesOf(response).get('refresh_token')!;
    expect(rotated.value).not.toBe(session.refresh.value);
    expect(response.body.csrfToken).toBe(cookiesOf(response).get('csrf_token')!.value);
  });

  it('should accept the service’s own origin', async () => {
    const session = await browserLogin();
    await t
      .http()
      .post('/auth/refresh')
      .set('Origin', t.url)
      .set('Cookie', session.cookieHeader)
      .set('X-CSRF-Token', session.csrfToken)
      .send({})
      .expect(200);
  });

  it.each([
    [
      'without the CSRF header',
      (_s: { csrfToken: string }): Record<string, string> => ({ Origin: ORIGIN }),
    ],
    ['with a wrong CSRF token', () => ({ Origin: ORIGIN, 'X-CSRF-Token': 'forged' })],
    [
      'from another site',
      (s: { csrfToken: string }) => ({
        Origin: 'https://evil.example',
        'X-CSRF-Token': s.csrfToken,
      }),
    ],
    ['without Origin or Referer', (s: { csrfToken: string }) => ({ 'X-CSRF-Token': s.csrfToken })],
    [
      'from an opaque origin',
      (s: { csrfToken: string }) => ({ Origin: 'null', 'X-CSRF-Token': s.csrfToken }),
    ],
  ])('should refuse a cookie refresh %s with 403 and change nothing', async (_label, headers) => {
    const session = await browserLogin();
    const response = await t
      .http()
      .post('/auth/refresh')
      .set('Cookie', session.cookieHeader)
      .set(headers(session))
      .send({})
      .expect(403);
    expect(response.body).toMatchObject({ statusCode: 403, code: 'csrf_failed' });
    expect(response.headers['set-cookie']).toBeUndefined();
    // The cookie still works from the page itself: nothing was rotated or revoked.
    await t
      .http()
      .post('/auth/refresh')
      .set('Origin', ORIGIN)
      .set('Cookie', session.cookieHeader)
      .set('X-CSRF-Token', session.csrfToken)
      .send({})
      .expect(200);
  });

  it('should refuse a cross-site logout by cookie and keep the session', async () => {
    const session = await browserLogin();
    await t
      .http()
      .post('/auth/logout')
      .set('Origin', 'https://evil.example')
      .set('Cookie', session.cookieHeader)
      .set('X-CSRF-Token', session.csrfToken)
      .send({})
      .expect(403);
    await t
      .http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
  });

  it('should log out by cookie, revoke the session and clear both cookies', async () => {
    const session = await browserLogin();
    const response = await t
      .http()
      .post('/auth/logout')
      .set('Origin', ORIGIN)
      .set('Cookie', session.cookieHeader)
      .set('X-CSRF-Token', session.csrfToken)
      .send({})
      .expect(204);
    const cleared = cookiesOf(response);
    for (const name of ['refresh_token', 'csrf_token']) {
      expect(cleared.get(name)?.value).toBe('');
      expect(
        cleared
          .get(name)
          ?.attributes.some((a) => /^Expires=Thu, 01 Jan 1970/.test(a) || a === 'Max-Age=0'),
      ).toBe(true);
    }
    await t
      .http()
      .get('/auth/me')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(401);
  });

  it('should clear the cookies on a bearer logout from the browser too', async () => {
    const session = await browserLogin();
    const response = await t
      .http()
      .post('/auth/logout')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .set('Cookie', session.cookieHeader)
      .send({})
      .expect(204);
    expect(cookiesOf(response).get('refresh_token')?.value).toBe('');
  });

  it('should clear the cookies when the browser revokes its own session', async () => {
    const session = await browserLogin();
    const sessions = await t
      .http()
      .get('/auth/sessions')
      .set('Authorization', `Bearer ${session.accessToken}`)
      .expect(200);
    const current = (sessions.body as { id: string; current: boolean }[]).find((s) => s.current)!;
    const response = await t
      .http()
      .delete(`/auth/sessions/${current.id}`)
      .set('Authorization', `Bearer ${session.accessToken}`)
      .set('Cookie', session.cookieHeader)
      .expect(204);
    expect(cookiesOf(response).get('refresh_token')?.value).toBe('');
  });

  it('should keep the JSON flow for clients that send the token in the body (no CSRF needed)', async () => {
    const login = await t
      .http()
      .post('/auth/login')
      .send({ email, password: PASSWORD })
      .expect(200);
    expect(login.headers['set-cookie']).toBeUndefined();
    await t
      .http()
      .post('/auth/refresh')
      .send({ refreshToken: login.body.refreshToken })
      .expect(200);
  });

  it('should answer 400 for an unknown mode', async () => {
    await t
      .http()
      .post('/auth/login?mode=localStorage')
      .send({ email, password: PASSWORD })
      .expect(400);
  });

  describe('headers', () => {
    it('should send security headers and no X-Powered-By', async () => {
      const response = await t.http().get('/health').expect(200);
      expect(response.headers['x-powered-by']).toBeUndefined();
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['strict-transport-security']).toMatch(/max-age=/);
      expect(response.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    });

    it('should allow credentialed CORS from a listed origin only', async () => {
      const allowed = await t
        .http()
        .options('/auth/refresh')
        .set('Origin', ORIGIN)
        .set('Access-Control-Request-Method', 'POST');
      expect(allowed.headers['access-control-allow-origin']).toBe(ORIGIN);
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      expect(allowed.headers['access-control-allow-headers']).toMatch(/x-csrf-token/i);

      const other = await t
        .http()
        .options('/auth/refresh')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    });
  });
});

describe('Browser mode in production (Secure cookies)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ COOKIE_SECURE: 'true' });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  it('should mark both cookies Secure and give them the __Secure- and __Host- prefixes', async () => {
    const { email } = await registerUser(t);
    const response = await t
      .http()
      .post('/auth/login?mode=cookie')
      .send({ email, password: PASSWORD })
      .expect(200);
    const cookies = cookiesOf(response);
    expect(cookies.get('__Secure-refresh_token')?.attributes).toEqual(
      expect.arrayContaining(['Secure', 'HttpOnly', 'Path=/auth']),
    );
    expect(cookies.get('__Host-csrf_token')?.attributes).toEqual(
      expect.arrayContaining(['Secure', 'Path=/']),
    );
    expect(cookies.get('__Host-csrf_token')?.attributes.some((a) => a.startsWith('Domain='))).toBe(
      false,
    );
  });
});
