/**
 * The browser suite (npm run test:browser): Playwright (playwright-core) drives the system
 * Chromium through the demo page and Swagger UI against the real app. Kept out of `npm test`, which
 * must run on machines without a browser; without Chromium every spec here is skipped, not failed.
 */
const root = require('../../jest.config.js');
const e2e = root.projects.find((project) => project.displayName === 'e2e');

/** @type {import('jest').Config} */
module.exports = {
  displayName: 'browser',
  testEnvironment: 'node',
  rootDir: '../..',
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: e2e.transform,
  transformIgnorePatterns: e2e.transformIgnorePatterns,
  globalSetup: '<rootDir>/test/browser/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  setupFiles: ['<rootDir>/test/support/env.ts'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // One database and one browser at a time.
  maxWorkers: 1,
  // A step that waits for a real access token to expire takes ~45 s; those set their own timeout.
  testTimeout: 60_000,
};
