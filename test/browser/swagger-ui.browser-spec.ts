import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { ProductsService } from '../../src/products/products.service';
import { login, registerUser } from '../support/factories';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import {
  BrowserSession,
  describeWithChromium,
  expectText,
  openBrowser,
  readableByScripts,
  screenshot,
  SCREENSHOTS_DIR,
} from './support/browser';

/**
 * Swagger UI at /docs, the way the page's own instructions put it: log in through the API, press
 * Authorize, paste the access token, then "Try it out" on a guarded route. Runs under the same
 * strict CSP as the rest of the service.
 */
describeWithChromium('Swagger UI: Authorize → try it out (Chromium)', () => {
  let t: TestApp;
  let browser: BrowserSession;
  let page: Page;
  let accessToken: string;

  /** The GET /products operation block. */
  const listProducts = (): Locator =>
    page.locator('.opblock-get').filter({ has: page.locator('[data-path="/products"]') });

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    await t.app.get(ProductsService).seedIfEmpty();
    const user = await registerUser(t);
    ({ accessToken } = await login(t, user.email, user.password));
    browser = await openBrowser();
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('should load Swagger UI with the API description', async () => {
    const response = await page.goto(`${t.url}/docs`);
    expect(response?.status()).toBe(200);
    await expectText(page.locator('.swagger-ui .info .title'), 'nest-jwt-auth');
    await listProducts().waitFor();
    await screenshot(page, '21-swagger-loaded', false);
  });

  it('should take the access token through the Authorize dialog', async () => {
    await page.locator('.scheme-container button.authorize').click();
    const dialog = page.locator('.modal-ux');
    await dialog.waitFor();
    await dialog.locator('input').first().fill(accessToken);
    await screenshot(page, '22-swagger-authorize-dialog', false);
    await dialog.getByRole('button', { name: 'Apply credentials' }).click();
    await dialog.getByRole('button', { name: 'Remove authorization' }).waitFor();
    await screenshot(page, '23-swagger-authorized', false);
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expectText(page.locator('.scheme-container button.authorize'), 'Authorize');
    expect(await page.locator('.scheme-container button.authorize.locked').count()).toBe(1);
  });

  it('should call GET /products with "Try it out" → "Execute" and show 200 with items', async () => {
    await listProducts().locator('.opblock-summary').first().click();
    await listProducts().locator('button.try-out__btn').click();
    await listProducts().screenshot({ path: join(SCREENSHOTS_DIR, '24-swagger-try-it-out.png') });
    await listProducts().locator('button.execute').click();

    const live = listProducts().locator('.live-responses-table');
    await expectText(live.locator('.response-col_status'), /^\s*200\s*$/, 15_000);
    const body = live.locator('.response-col_description .microlight').first();
    await expectText(body, '"items"');
    const shown = JSON.parse(await body.innerText());
    expect(shown).toMatchObject({ page: 1, total: 50 });
    expect(shown.items.length).toBeGreaterThan(0);
    // The request Swagger UI built carries the token in the Authorization header.
    await expectText(
      listProducts().locator('.curl-command'),
      `Authorization: Bearer ${accessToken}`,
    );
    await listProducts().screenshot({ path: join(SCREENSHOTS_DIR, '25-swagger-executed.png') });
  });

  it('should keep the authorization in localStorage (persistAuthorization), never in a cookie', async () => {
    // By design of Swagger UI's persistAuthorization: the token survives reloads in
    // localStorage["authorized"]. This is the docs page, not the demo page, whose check is the
    // opposite (nothing in storage).
    const readable = await readableByScripts(page);
    expect(JSON.parse(readable.localStorage).authorized).toContain(accessToken);
    expect(readable.cookie).not.toContain(accessToken);

    await page.reload();
    await listProducts().waitFor();
    expect(await page.locator('.scheme-container button.authorize.locked').count()).toBe(1);
  });

  it('should have logged no script error or CSP violation', () => {
    expect(browser.errors).toEqual([]);
  });
});
