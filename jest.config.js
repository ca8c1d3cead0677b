/**
 * Two projects: unit specs beside the code, and e2e specs in test/ that drive the real app over
 * HTTP on a real PostgreSQL (embedded by default, TEST_DATABASE_URL when set).
 */
const transform = {
  '^.+\\.ts$': 'ts-jest',
  // @fastify/cookie loads `cookie` with import(), which Jest's CommonJS runtime refuses without
  // --experimental-vm-modules; transpiled, the import() becomes a require().
  '^.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs' } }],
};
const transformIgnorePatterns = ['/node_modules/(?!@fastify/cookie/)'];

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
      // Every e2e response is held to the OpenAPI document the app serves (issue 15).
      setupFilesAfterEnv: ['<rootDir>/test/support/openapi-after-each.ts'],
    },
  ],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // One e2e database for the run; each file starts from empty tables, so files run one at a time.
  maxWorkers: 1,
  // Whole-app tests on one machine that may be busy; no test here is timed against this.
  testTimeout: 30_000,
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.spec.ts', '!src/main.ts', '!src/cli/*.ts'],
};
