import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { MailService } from '../../src/mail/mail.service';
import { PASSWORD, registerUser } from '../support/factories';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import {
  BrowserSession,
  describeWithChromium,
  expectText,
  openBrowser,
  screenshot,
} from './support/browser';

const NEW_PASSWORD = 'another horse battery staple';

/**
 * The demo page's account lifecycle in Chromium, without SMTP (the development outbox): forgot
 * the password, find the mail in the outbox panel, follow its #reset link, set a new password,
 * log in with it; then the verification link and the banner, a password change and a deletion.
 */
describeWithChromium('Demo page: account lifecycle (Chromium, development outbox)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let page: Page;
  let dataDir: string;
  let user: { id: string; email: string; password: string };

  const logIn = async (password: string) => {
    const form = page.locator('#login-form');
    await form.locator('input[name=email]').fill(user.email);
    await form.locator('input[name=password]').fill(password);
    await form.locator('button[type=submit]').click();
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'browser-outbox-'));
    t = await createTestApp({ SMTP_URL: undefined, DATA_DIR: dataDir });
    await resetDatabase(t.dataSource);
    user = await registerUser(t);
    await t.app.get(MailService).whenIdle();
    browser = await openBrowser();
    page = browser.page;
    page.on('dialog', (dialog) => void dialog.accept());
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should ask for a reset mail and show it in the outbox panel', async () => {
    await page.goto(t.url);
    await expectText(page.locator('#outbox'), 'Confirm your email address');
    await page.locator('#forgot-form input[name=email]').fill(user.email);
    await page.locator('#forgot-form button[type=submit]').click();
    await expectText(page.locator('#account-message'), 'a mail is on its way');
    await t.app.get(MailService).whenIdle();
    await page.locator('#load-outbox').click();
    await expectText(page.locator('#outbox-list li').first(), 'Reset your password');
    await screenshot(page, 'account-01-outbox');
    expect(browser.errors).toEqual([]);
  });

  it('should follow the reset link, set a new password, and clear the token from the address bar', async () => {
    await page.locator('#outbox-list li').first().locator('a.outbox-link').click();
    await page.locator('#reset-form input[name=password]').fill(NEW_PASSWORD);
    await page.locator('#reset-form button[type=submit]').click();
    await expectText(page.locator('#account-message'), 'Password set');
    expect(page.url()).not.toContain('token=');
    await screenshot(page, 'account-02-reset');
  });

  it('should log in with the new password only', async () => {
    await logIn(PASSWORD);
    await expectText(page.locator('#account-message'), 'invalid_credentials');
    // The browser reports the refused login's 401 as a console error: expected here.
    browser.errors.length = 0;
    await logIn(NEW_PASSWORD);
    await expectText(page.locator('#status'), 'Signed in as');
  });

  it('should have verified the address by the reset: no banner', async () => {
    await expect(page.locator('#verify-banner').isHidden()).resolves.toBe(true);
  });

  it('should change the password and stay signed in', async () => {
    const form = page.locator('#change-password-form');
    await form.locator('input[name=currentPassword]').fill(NEW_PASSWORD);
    await form.locator('input[name=newPassword]').fill('yet another horse battery');
    await form.locator('button[type=submit]').click();
    await expectText(page.locator('#account-message'), 'Password changed');
    await expectText(page.locator('#status'), 'Signed in as');
  });

  it('should delete the account and sign out', async () => {
    await page
      .locator('#delete-account-form input[name=password]')
      .fill('yet another horse battery');
    await page.locator('#delete-account-form button[type=submit]').click();
    await expectText(page.locator('#account-message'), 'Account deleted');
    await expectText(page.locator('#status'), 'Signed out');
    await screenshot(page, 'account-03-deleted');
    expect(browser.errors).toEqual([]);
  });

  it('should verify an address from the #verify link of a mail', async () => {
    const other = await registerUser(t);
    await t.app.get(MailService).whenIdle();
    const mails = (await t.http().get('/dev/outbox').expect(200)).body as {
      to: string;
      links: string[];
    }[];
    const link = mails.find((mail) => mail.to === other.email)!.links[0];
    await page.goto(`${t.url}/${link.slice(link.indexOf('#'))}`);
    await expectText(page.locator('#account-message'), 'verified');
    expect(page.url()).not.toContain('token=');
  });
});
