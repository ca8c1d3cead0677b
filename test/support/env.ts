import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The environment every e2e app starts from; a spec overrides single variables through createTestApp.
process.env.NODE_ENV = 'test';
process.env.DATABASE_URL = process.env.E2E_DATABASE_URL;
process.env.JWT_SECRET = randomBytes(48).toString('base64url');
process.env.DATA_ENCRYPTION_KEY = randomBytes(32).toString('hex');
process.env.BCRYPT_COST = '4';
process.env.SEED_DEMO_DATA = 'false';
// Never the developer's .data. A directory under the system's temp dir rather than a path that
// does not exist: without SMTP_URL, mail goes to DATA_DIR/outbox (kept to its newest 200 mails).
process.env.DATA_DIR = join(tmpdir(), 'nest-jwt-auth-e2e-data');
// The suites log in hundreds of times from one address; the rate-limit suite sets its own limits.
process.env.RATE_LIMIT_AUTH_IP = '1000000';
process.env.LOG_LEVEL = 'silent';
