import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Locator, Page } from 'playwright-core';

/** Pictures of each step, for a person to look at (ignored by git). */
export const SCREENSHOTS_DIR = join(__dirname, '..', 'screenshots');

/** CHROMIUM_PATH, when set, is the only candidate (a wrong path skips the suite, visibly). */
const CANDIDATES = process.env.CHROMIUM_PATH
  ? [process.env.CHROMIUM_PATH]
  : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Debian's `chromium` package, never a Playwright browser download. Flags: without the
 * background-networking ones Chromium's own connections get refused on locked-down machines.
 */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const chromiumPath: string | undefined = CANDIDATES.find((candidate) =>
  existsSync(candidate),
);

/** Why the suite is skipped, printed once by the browser suite's global setup. */
export const NO_CHROMIUM_MESSAGE =
  `\nbrowser: SKIPPED, no Chromium at ${CANDIDATES.join(' or ')}.\n` +
  `browser: install it with \`bash test/browser/ensure-chromium.sh\` (Debian's chromium package),\n` +
  `browser: or point CHROMIUM_PATH at a Chromium executable.\n`;

/**
 * `describe` when a Chromium is installed, `describe.skip` when not: the browser suite is
 * optional on a developer machine (CI installs Chromium first), and says so rather than failing.
 */
export function describeWithChromium(name: string, body: () => void): void {
  if (chromiumPath) describe(name, body);
  else describe.skip(`${name} [skipped: no Chromium]`, body);
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, CSP violations included. */
  errors: string[];
  close: () => Promise<void>;
}

/** A fresh profile (its own temporary --user-data-dir): no cookies or storage from another run. */
export async function openBrowser(): Promise<BrowserSession> {
  if (!chromiumPath) throw new Error('No Chromium executable');
  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'auth-browser-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`), fullPage });
}

/** Waits (auto-retrying) until the locator's text contains `text`; fails with what it saw. */
export async function expectText(locator: Locator, text: string | RegExp, timeout = 10_000) {
  const wanted = typeof text === 'string' ? text : text.source;
  try {
    await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout });
  } catch {
    const seen = await locator
      .allInnerTexts()
      .then((texts) => texts.join(' | '))
      .catch(() => '(nothing)');
    throw new Error(
      `Expected ${locator.toString()} to show "${wanted}" within ${timeout} ms; saw: ${seen}`,
    );
  }
}

export interface ReadableByScripts {
  cookie: string;
  localStorage: string;
  sessionStorage: string;
}

/** What the page's own scripts can read of its cookies and Web Storage. */
export function readableByScripts(page: Page): Promise<ReadableByScripts> {
  // A string, evaluated in the page: the test project compiles without the DOM library.
  return page.evaluate<ReadableByScripts>(
    `({
      cookie: document.cookie,
      localStorage: JSON.stringify({ ...localStorage }),
      sessionStorage: JSON.stringify({ ...sessionStorage }),
    })`,
  );
}
