import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ProductsService } from '../../src/products/products.service';
import { PASSWORD, registerUser } from '../support/factories';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import {
  BrowserSession,
  describeWithChromium,
  expectText,
  openBrowser,
  readableByScripts,
  screenshot,
} from './support/browser';

const JWT_SHAPE = /eyJ[\w-]+\.[\w-]+\.[\w-]+/;

/**
 * The demo page at `/`, walked the way a person would: sign up, log in in cookie mode, list
 * products, read the token, tamper with it, let it expire and be refreshed on a 401, come back
 * after a reload, manage sessions, log out. The access token is short (JWT_ACCESS_TTL=10s) so the
 * expiry really happens during the walk. Each step leaves a screenshot in test/browser/screenshots/.
 */
describeWithChromium('Demo page (browser mode, Chromium)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let page: Page;
  // Each spec file starts from empty tables, so a fixed, readable address is safe.
  const email = 'ada@example.com';

  /** The access token the page shows (and holds in memory). */
  const shownToken = () => page.locator('#token-raw').innerText();

  async function refreshCookie() {
    // All cookies: a URL filter would drop this one, scoped to Path=/auth.
    const cookies = await browser.context.cookies();
    return cookies.find((cookie) => cookie.name === 'refresh_token');
  }

  async function expectNoTokenReadable() {
    const accessToken = await shownToken();
    const refresh = await refreshCookie();
    const readable = await readableByScripts(page);
    for (const place of [readable.cookie, readable.localStorage, readable.sessionStorage]) {
      expect(place).not.toContain(accessToken);
      expect(place).not.toMatch(JWT_SHAPE);
      expect(place).not.toContain('refresh_token');
      if (refresh) expect(place).not.toContain(refresh.value);
    }
    expect(readable.localStorage).toBe('{}');
    expect(readable.sessionStorage).toBe('{}');
  }

  beforeAll(async () => {
    t = await createTestApp({ JWT_ACCESS_TTL: '10s' });
    await resetDatabase(t.dataSource);
    await t.app.get(ProductsService).seedIfEmpty();
    browser = await openBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('should serve the page under the strict CSP, signed out, with no script errors', async () => {
    const response = await page.goto(t.url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await expectText(page.locator('#status'), 'Signed out');
    await expectText(page.locator('#log-lines'), 'No session cookie');
    await screenshot(page, '01-signed-out');
    expect(browser.errors).toEqual([]);
  });

  it('should sign up', async () => {
    const form = page.locator('#signup-form');
    await form.locator('input[name=email]').fill(email);
    await form.locator('input[name=name]').fill('Ada Lovelace');
    await form.locator('input[name=password]').fill(PASSWORD);
    await form.getByRole('button', { name: 'Sign up' }).click();
    await expectText(page.locator('#account-message'), `Account created for ${email}`);
    await expectText(page.locator('#log-lines'), 'POST /auth/register → 201');
    expect(await page.locator('#login-form input[name=email]').inputValue()).toBe(email);
    await screenshot(page, '02-signed-up');
  });

  it('should log in in cookie mode: the refresh token in an HttpOnly cookie, the access token in memory', async () => {
    await page.locator('#login-form input[name=password]').fill(PASSWORD);
    await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    await expectText(page.locator('#me-roles'), 'user');
    expect(await shownToken()).toMatch(JWT_SHAPE);
    const cookie = await refreshCookie();
    expect(cookie).toMatchObject({ httpOnly: true, path: '/auth', sameSite: 'Strict' });
    await screenshot(page, '03-logged-in');
  });

  it('should leave no access or refresh token readable from document.cookie or Web Storage', async () => {
    await expectNoTokenReadable();
    // The CSRF cookie is the one meant to be readable (double submit): it is no credential alone.
    expect((await readableByScripts(page)).cookie).toMatch(/^csrf_token=[\w-]{43}$/);
  });

  it('should list products with the access token, page by page', async () => {
    await page.getByRole('button', { name: 'Load products' }).click();
    await expectText(page.locator('#products-info'), '50 products · page 1 of 7');
    expect(await page.locator('#products-table tbody tr').count()).toBe(8);
    await page.getByRole('button', { name: 'Next ›' }).click();
    await expectText(page.locator('#products-info'), 'page 2 of 7');
    await page.getByRole('button', { name: '‹ Prev' }).click();
    await expectText(page.locator('#products-info'), 'page 1 of 7');
    await expectText(page.locator('#products-table tbody td.num'), /^\d+\.\d{2}$/);
    await screenshot(page, '04-products');
  });

  it('should decode the header and payload beside the raw signature', async () => {
    const [header, payload, signature] = (await shownToken()).split('.');
    const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    expect(JSON.parse(await page.locator('#token-header').innerText())).toEqual(decode(header));
    const claims = JSON.parse(await page.locator('#token-payload').inputValue());
    expect(claims).toEqual(decode(payload));
    expect(claims).toMatchObject({
      roles: ['user'],
      sub: expect.any(String),
      sid: expect.any(String),
    });
    expect(claims.exp - claims.iat).toBe(10);
    expect(await page.locator('#token-signature').innerText()).toBe(signature);
    await expectText(page.locator('#token-lifetime'), /Expires in \d+ s — lifetime 10 s/);
    await screenshot(page, '05-token-decoded');
  });

  it('should show the server accept the token as issued and reject it once the payload is edited', async () => {
    await page.getByRole('button', { name: 'Send this token to /auth/token-info' }).click();
    await expectText(page.locator('#tamper-status'), '200 OK');
    await expectText(page.locator('#tamper-body'), '"roles": [');

    await page.getByRole('button', { name: 'Make me admin' }).click();
    expect(JSON.parse(await page.locator('#token-payload').inputValue()).roles).toEqual(['admin']);
    await page.getByRole('button', { name: 'Send the edited token (old signature)' }).click();
    await expectText(page.locator('#tamper-status'), '401 Unauthorized');
    expect(JSON.parse(await page.locator('#tamper-body').innerText())).toMatchObject({
      statusCode: 401,
      code: 'token_invalid',
    });
    await expectText(page.locator('#log-lines'), 'GET /auth/token-info → 401 token_invalid');
    // A forged token says nothing about the session: the page is still signed in.
    await expectText(page.locator('#status'), 'Signed in');
    await screenshot(page, '06-tamper-rejected');
  });

  it('should list sessions and revoke another one', async () => {
    // A second session of the same user, from another client.
    const other = await t
      .http()
      .post('/auth/login')
      .set('User-Agent', 'curl/8.5.0')
      .send({ email, password: PASSWORD })
      .expect(200);
    await page.getByRole('button', { name: 'List sessions' }).click();
    await expectText(page.locator('#sessions-info'), '2 live sessions');
    await expectText(page.locator('#sessions-list li[data-current=true]'), 'this page');
    await expectText(page.locator('#sessions-list li[data-current=false]'), 'curl/8.5.0');
    await screenshot(page, '07-sessions');

    await page
      .locator('#sessions-list li[data-current=false]')
      .getByRole('button', { name: 'Revoke' })
      .click();
    await expectText(page.locator('#sessions-info'), '1 live session');
    await expectText(page.locator('#log-lines'), /DELETE \/auth\/sessions\/[\w-]+ → 204/);
    // The revoked client's refresh token is dead; this page is still signed in.
    const refused = await t
      .http()
      .post('/auth/refresh')
      .send({ refreshToken: other.body.refreshToken });
    expect(refused.status).toBe(401);
    await expectText(page.locator('#status'), 'Signed in');
    await screenshot(page, '08-session-revoked');
  });

  it('should refresh on a 401 token_expired and retry transparently when the access token expires', async () => {
    const before = await shownToken();
    await page.locator('#auto-call').check();
    // The token lives 10 s, and the server tolerates 30 s of clock skew past `exp`: the first
    // 401 token_expired comes ~40 s after login. Wait for the page to say it refreshed.
    await expectText(page.locator('#log-lines'), 'access token expired → refreshed', 75_000);
    await expectText(page.locator('#log-lines'), 'GET /auth/token-info → 401 token_expired');
    await expectText(page.locator('#log-lines'), 'POST /auth/refresh → 200');
    await expectText(page.locator('#auto-call-status'), '→ 200');
    await page.locator('#auto-call').uncheck();
    expect(await shownToken()).not.toBe(before);
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    await expectText(page.locator('#token-lifetime'), 'Expires in');
    await expectNoTokenReadable();
    await screenshot(page, '09-token-refreshed');

    // The whole page in use; UPDATE_DOCS_SCREENSHOT=1 also writes the README's docs/demo.png.
    await page.getByRole('button', { name: 'Load products' }).click();
    await page.getByRole('button', { name: 'List sessions' }).click();
    await expectText(page.locator('#sessions-info'), '1 live session');
    await screenshot(page, '10-whole-page');
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') {
      const docs = join(__dirname, '..', '..', 'docs');
      mkdirSync(docs, { recursive: true });
      await page.screenshot({ path: join(docs, 'demo.png'), fullPage: true });
    }
  }, 120_000);

  it('should forget the access token on reload and get a new one from the refresh cookie', async () => {
    const before = await shownToken();
    await page.reload();
    await expectText(
      page.locator('#log-lines'),
      'Session resumed from the HttpOnly refresh cookie',
    );
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    expect(await shownToken()).not.toBe(before);
    await expectNoTokenReadable();
    await screenshot(page, '11-reloaded');
  });

  it('should log out: the session revoked and the cookies cleared', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await expectText(page.locator('#log-lines'), 'POST /auth/logout → 204');
    await expectText(page.locator('#status'), 'Signed out');
    await expectText(page.locator('#token-empty'), 'Log in to get one');
    expect(await refreshCookie()).toBeUndefined();
    expect((await readableByScripts(page)).cookie).toBe('');
    await screenshot(page, '12-logged-out');

    await page.reload();
    await expectText(page.locator('#log-lines'), 'No session cookie');
    await expectText(page.locator('#status'), 'Signed out');
  });

  it('should have logged no script error or CSP violation during the walk', () => {
    // Chromium reports every 4xx response on the console; the walk's 401s are the point of it.
    const expected = /^Failed to load resource: the server responded with a status of 401/;
    expect(browser.errors.filter((message) => !expected.test(message))).toEqual([]);
  });
});

/**
 * Two tabs of the demo page in one browser share its cookies but not their memory. A refresh in
 * one tab rotates the refresh cookie and the CSRF cookie together; the other tab must still be
 * able to end the session, and must never say "Signed out" while the session lives on.
 */
describeWithChromium('Demo page in two tabs (one browser, shared cookies)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let tabA: Page;
  let tabB: Page;
  let email: string;

  async function logIn(tab: Page) {
    await tab.goto(t.url);
    await expectText(tab.locator('#log-lines'), 'No session cookie');
    await tab.locator('#login-form input[name=email]').fill(email);
    await tab.locator('#login-form input[name=password]').fill(PASSWORD);
    await tab.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await expectText(tab.locator('#status'), `Signed in as ${email}`);
  }

  /** Opening the page in a second tab resumes the session: a refresh, which rotates the cookies. */
  async function resumeIn(tab: Page) {
    await tab.goto(t.url);
    await expectText(tab.locator('#log-lines'), 'Session resumed from the HttpOnly refresh cookie');
    await expectText(tab.locator('#status'), `Signed in as ${email}`);
  }

  async function refreshCookie(): Promise<string> {
    const cookie = (await browser.context.cookies()).find((c) => c.name === 'refresh_token');
    if (!cookie) throw new Error('no refresh cookie in the browser');
    return cookie.value;
  }

  /** The session id (`sid`) of the token a tab shows. */
  async function sessionOf(tab: Page): Promise<string> {
    const payload = (await tab.locator('#token-raw').innerText()).split('.')[1];
    return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sid: string }).sid;
  }

  async function expectRevoked(sessionId: string, lastRefreshToken: string) {
    await t.http().post('/auth/refresh').send({ refreshToken: lastRefreshToken }).expect(401);
    const [row] = await t.dataSource.query<{ revoked_at: Date | null }[]>(
      'SELECT revoked_at FROM sessions WHERE id = $1',
      [sessionId],
    );
    expect(row.revoked_at).not.toBeNull();
  }

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    ({ email } = await registerUser(t));
    browser = await openBrowser();
    tabA = browser.page;
    tabB = await browser.context.newPage();
  });

  // Each case starts signed out, whatever the one before left behind.
  beforeEach(() => browser.context.clearCookies());

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('should revoke the session when one tab logs out after the other tab refreshed', async () => {
    await logIn(tabA);
    const csrfAtLogin = (await readableByScripts(tabA)).cookie;
    await resumeIn(tabB);
    expect((await readableByScripts(tabA)).cookie).not.toBe(csrfAtLogin);
    const session = await sessionOf(tabA);
    const current = await refreshCookie();

    await tabA.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabA.locator('#log-lines'), /POST \/auth\/logout → \d+/);
    await expectText(tabA.locator('#status'), 'Signed out');
    await expectRevoked(session, current);
    await expectText(tabA.locator('#log-lines'), 'POST /auth/logout → 204');
    await expectText(tabA.locator('#account-message'), 'the session is revoked');
    await screenshot(tabA, 'two-tabs-01-logged-out');
  });

  it('should revoke the session when the other tab rotates the cookies while the logout is on its way', async () => {
    await logIn(tabA);
    const session = await sessionOf(tabA);
    let current = '';
    // Hold tab A's logout until tab B has refreshed: it then reaches the server with a CSRF token
    // (and perhaps a refresh cookie) that is no longer current.
    await tabA.route(
      '**/auth/logout',
      async (route) => {
        await resumeIn(tabB);
        current = await refreshCookie();
        await route.continue();
      },
      { times: 1 },
    );
    await tabA.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabA.locator('#log-lines'), 'retried with the current cookies');
    await expectText(tabA.locator('#log-lines'), 'POST /auth/logout → 204');
    await expectText(tabA.locator('#status'), 'Signed out');
    await expectRevoked(session, current);
  });

  it('should stay signed in, and say so, when the server does not confirm the logout', async () => {
    await logIn(tabA);
    await tabA.route(
      '**/auth/logout',
      (route) =>
        route.fulfill({
          status: 503,
          contentType: 'application/json',
          body: JSON.stringify({
            statusCode: 503,
            error: 'Service Unavailable',
            message: 'Database unavailable',
            code: 'database_unavailable',
          }),
        }),
      { times: 1 },
    );
    await tabA.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabA.locator('#log-lines'), 'POST /auth/logout → 503');
    await expectText(tabA.locator('#account-message'), 'Logout failed');
    await expectText(tabA.locator('#account-message'), 'still signed in');
    await expectText(tabA.locator('#status'), `Signed in as ${email}`);
    // The page still holds the session and can end it once the server answers again.
    await tabA.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabA.locator('#log-lines'), 'POST /auth/logout → 204');
    await expectText(tabA.locator('#status'), 'Signed out');
  });

  it('should sign out when the session has already been ended in the other tab', async () => {
    await logIn(tabA);
    await resumeIn(tabB);
    await tabB.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabB.locator('#log-lines'), 'POST /auth/logout → 204');
    await expectText(tabB.locator('#status'), 'Signed out');

    await tabA.getByRole('button', { name: 'Log out' }).click();
    await expectText(tabA.locator('#log-lines'), 'POST /auth/logout → 401');
    await expectText(tabA.locator('#status'), 'Signed out');
    await expectText(tabA.locator('#account-message'), 'already ended');
  });
});
