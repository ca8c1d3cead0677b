/**
 * Two projects: unit specs beside the code, and e2e specs in test/ that drive the real app over
 * HTTP on a real PostgreSQL (embedded by default, TEST_DATABASE_URL when set).
 */
const transform = {
  '^.+\\.ts$': 'ts-jest',
  // A few dependencies ship ES modules only (content-disposition under @fastify/static, cookie
  // under @fastify/cookie, which import()s it);
  // Node 20 loads them natively, Jest's CommonJS runtime needs them transpiled.
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!(content-disposition|cookie|@fastify/cookie)/)'];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      transformIgnorePatterns,
    },
    {
      displayName: 'e2e',
      testEnvironment: 'node',
      rootDir: '.',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      transformIgnorePatterns,
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      setupFiles: ['<rootDir>/test/support/env.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // One e2e database for the run; each file starts from empty tables, so files run one at a time.
  maxWorkers: 1,
  // Whole-app tests on one machine that may be busy; no test here is timed against this.
  testTimeout: 30_000,
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts', '!src/cli/*.ts'],
};
