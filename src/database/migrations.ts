import { Init1764118800000 } from './migrations/1764118800000-init';
import { AuditEvents1764126000000 } from './migrations/1764126000000-audit-events';
import { SessionTombstones1795689000000 } from './migrations/1795689000000-session-tombstones';
import { Mfa1796100000000 } from './migrations/1796100000000-mfa';
import { EmailLifecycle1796200000000 } from './migrations/1796200000000-email-lifecycle';
import { Administration1796300000000 } from './migrations/1796300000000-administration';

/**
 * Every migration, in order. Listed rather than globbed so that the compiled app, ts-jest and
 * the TypeORM CLI load exactly the same set. `npm run migration:generate` writes a new file;
 * add its class here in the same commit.
 */
export const migrations = [
  Init1764118800000,
  AuditEvents1764126000000,
  SessionTombstones1795689000000,
  Mfa1796100000000,
  EmailLifecycle1796200000000,
  Administration1796300000000,
];
