import { randomBytes } from 'node:crypto';

// The environment every e2e app starts from; a spec overrides single variables through createTestApp.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.E2E_DATABASE_URL;
process.env.JWT_SECRET = randomBytes(48).toString('base64url');
process.env.BCRYPT_COST = '4';
process.env.SEED_DEMO_DATA = 'false';
process.env.DATA_DIR = '/nonexistent-test-data-dir';
// The suites log in hundreds of times from one address; the rate-limit suite sets its own limits.
process.env.RATE_LIMIT_AUTH_IP = '1000000';
process.env.LOG_LEVEL = 'silent';
