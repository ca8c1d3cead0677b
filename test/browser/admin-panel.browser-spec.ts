import type { Page } from 'playwright-core';
import { Role } from '../../src/users/role.enum';
import { UsersService } from '../../src/users/users.service';
import { PASSWORD, registerUser } from '../support/factories';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import {
  BrowserSession,
  describeWithChromium,
  expectText,
  openBrowser,
  screenshot,
} from './support/browser';

/**
 * The demo page's admin panel (public/admin.js): hidden from a plain user; an admin sees the
 * users, disables one and reads the audit events.
 */
describeWithChromium('Demo page: admin panel (Chromium)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let page: Page;
  const admin = 'admiral@example.com';
  const plain = 'plain@example.com';

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    await registerUser(t, { email: admin });
    await registerUser(t, { email: plain });
    await t.app.get(UsersService).grantRole(admin, Role.Admin);
    browser = await openBrowser();
    page = browser.page;
    await page.goto(t.url);
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function logIn(email: string) {
    await page.locator('#login-form input[name=email]').fill(email);
    await page.locator('#login-form input[name=password]').fill(PASSWORD);
    await page.locator('#login-form').getByRole('button', { name: 'Log in' }).click();
    await expectText(page.locator('#status'), `Signed in as ${email}`);
  }

  it('should not show the panel to a plain user', async () => {
    await logIn(plain);
    expect(await page.locator('#admin').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Log out' }).click();
    await expectText(page.locator('#status'), 'Signed out');
  });

  it('should list the users to an admin', async () => {
    await logIn(admin);
    await page.locator('#admin').waitFor();
    await expectText(page.locator('#admin-message'), '2 user(s)');
    await page.locator(`#admin-users-body tr[data-email="${plain}"]`).waitFor();
  });

  it('should disable a user from the panel', async () => {
    const row = page.locator(`#admin-users-body tr[data-email="${plain}"]`);
    await row.getByRole('button', { name: 'Disable' }).click();
    await expectText(page.locator(`#admin-users-body tr[data-email="${plain}"]`), /disabled/);
    const login = await t.http().post('/auth/login').send({ email: plain, password: PASSWORD });
    expect(login.status).toBe(403);
  });

  it('should show the audit events with the acting admin', async () => {
    await page.getByRole('button', { name: 'Audit events' }).click();
    await expectText(page.locator('#admin-events'), /admin_user_disabled .* by admin/);
    await screenshot(page, 'admin-panel');
  });
});
