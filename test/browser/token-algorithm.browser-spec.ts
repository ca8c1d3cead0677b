import type { Page } from 'playwright-core';
import { PASSWORD, registerUser } from '../support/factories';
import { testKeyPair, thumbprintOf } from '../support/jwt';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { BrowserSession, describeWithChromium, expectText, openBrowser } from './support/browser';

/**
 * The token panel names the algorithm that signed the token (its header's alg) and, for EdDSA /
 * ES256, links the JWKS where its public key is published (README, "Tokens other services can
 * verify").
 */
const CASES: [string, Record<string, string>][] = [
  ['HS256', {}],
  ['EdDSA', { JWT_ALGORITHM: 'EdDSA' }],
];
for (const [algorithm, env] of CASES)
  describeWithChromium(`Demo page token panel with ${algorithm} (Chromium)`, () => {
    const pair = algorithm === 'EdDSA' ? testKeyPair('EdDSA') : undefined;
    let t: TestApp;
    let browser: BrowserSession;
    let page: Page;

    beforeAll(async () => {
      t = await createTestApp(pair ? { ...env, JWT_PRIVATE_KEY: pair.privatePem } : env);
      await resetDatabase(t.dataSource);
      browser = await openBrowser();
      page = browser.page;
    });
    afterAll(async () => {
      await browser?.close();
      await t?.close();
    });

    it(`should show that ${algorithm} signed the token, and where its public key is`, async () => {
      const user = await registerUser(t);
      await page.goto(t.url);
      await page.locator('#login-form input[name=email]').fill(user.email);
      await page.locator('#login-form input[name=password]').fill(PASSWORD);
      await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
      await expectText(page.locator('#status'), `Signed in as ${user.email}`);
      const note = page.locator('#token-algorithm');
      await expectText(note, `Signed with ${algorithm}`);
      if (pair) {
        await expectText(note, thumbprintOf(pair.publicPem));
        expect(await note.locator('a').getAttribute('href')).toBe('/.well-known/jwks.json');
      } else {
        await expectText(note, 'no public key is published');
        expect(await note.locator('a').count()).toBe(0);
      }
      expect(browser.errors).toEqual([]);
    });
  });
