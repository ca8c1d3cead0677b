import type { Page } from 'playwright-core';
import { PASSWORD, registerUser } from '../support/factories';
import { totpCode } from '../support/mfa';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import {
  BrowserSession,
  describeWithChromium,
  expectText,
  openBrowser,
  screenshot,
} from './support/browser';

/**
 * The demo page's second factor, walked as a person with an authenticator app would: enrol by
 * the QR code (the app's code computed from the secret, as an app does), see the recovery codes
 * once, log out, log in with password and code, and with a recovery code.
 */
describeWithChromium('Demo page: TOTP second factor (Chromium)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let page: Page;
  const email = 'grace@example.com';
  let secret = '';
  let recoveryCodes: string[] = [];

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    await registerUser(t, { email });
    browser = await openBrowser();
    page = browser.page;
    await page.goto(t.url);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function logIn() {
    await page.locator('#login-form input[name=email]').fill(email);
    await page.locator('#login-form input[name=password]').fill(PASSWORD);
    await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
  }

  async function logOut() {
    await page.getByRole('button', { name: 'Log out' }).click();
    await expectText(page.locator('#status'), 'Signed out');
  }

  it('should show MFA as off after a password login', async () => {
    await logIn();
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    await expectText(page.locator('#mfa-state'), /^Off:/);
  });

  it('should enrol with the QR code: the SVG shown as an image, then a code from the app', async () => {
    await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
    const qr = page.locator('#mfa-qr');
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(
      await qr.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth),
    ).toBeGreaterThan(0);
    secret = await page.locator('#mfa-secret').innerText();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, 'mfa-01-qr-code');
    await page.locator('#mfa-confirm-form input[name=code]').fill(totpCode(secret));
    await page.locator('#mfa-confirm-form').getByRole('button', { name: 'Confirm' }).click();
    await expectText(page.locator('#mfa-state'), /^On:/);
  });

  it('should show the ten recovery codes once, and forget them when dismissed', async () => {
    const codes = page.locator('#mfa-recovery-codes li');
    expect(await codes.count()).toBe(10);
    recoveryCodes = await codes.allInnerTexts();
    await screenshot(page, 'mfa-02-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    expect(await page.locator('#mfa-recovery-codes').count()).toBe(0);
    expect(await page.locator('#mfa-secret').count()).toBe(0);
  });

  it('should ask for a code after the password, and sign in with the code of the app', async () => {
    await logOut();
    await logIn();
    await expectText(page.locator('#account-message'), 'enter a code');
    expect(await page.locator('#mfa-code-form').isVisible()).toBe(true);
    await screenshot(page, 'mfa-03-code-step');
    // The next step's code: the one of the enrolment was spent, and a code works once.
    await page.locator('#mfa-code-form input[name=code]').fill(totpCode(secret, 1));
    await page.locator('#mfa-code-form').getByRole('button', { name: 'Verify' }).click();
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    const claims = JSON.parse(await page.locator('#token-payload').inputValue());
    expect(claims.amr).toEqual(['pwd', 'otp']);
    await expectText(page.locator('#mfa-state'), /^On:/);
  });

  it('should refuse a code already used and let the person try again', async () => {
    await logOut();
    await logIn();
    await page.locator('#mfa-code-form input[name=code]').fill(totpCode(secret, 1));
    await page.locator('#mfa-code-form').getByRole('button', { name: 'Verify' }).click();
    await expectText(page.locator('#account-message'), 'Wrong or already used code');
    expect(await page.locator('#mfa-code-form').isVisible()).toBe(true);
  });

  it('should sign in with a recovery code instead', async () => {
    await page.locator('#mfa-code-form input[name=code]').fill(recoveryCodes[0]);
    await page.locator('#mfa-code-form').getByRole('button', { name: 'Verify' }).click();
    await expectText(page.locator('#status'), `Signed in as ${email}`);
    await screenshot(page, 'mfa-04-signed-in-with-recovery-code');
    // The refused replay above is the one failed request the console reports; no script error.
    expect(browser.errors.filter((error) => !error.includes('status of 401'))).toEqual([]);
  });
});
