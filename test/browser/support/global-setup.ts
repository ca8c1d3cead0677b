import sharedGlobalSetup from '../../support/global-setup';
import { chromiumPath, NO_CHROMIUM_MESSAGE } from './browser';

/** The e2e database setup, after saying which browser runs the suite (or why nothing will). */
export default async function globalSetup(): Promise<void> {
  if (!chromiumPath) {
    // Every spec skips itself; no database needed.
    process.stderr.write(NO_CHROMIUM_MESSAGE);
    return;
  }
  console.log(`\nbrowser: ${chromiumPath} via playwright-core`);
  await sharedGlobalSetup();
}
