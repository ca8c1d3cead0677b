/**
 * npm run admin:grant -- <email>
 * Gives an existing user the admin role: how the first admin comes to be (../shared/API.md,
 * "Roles"); admins then manage roles through PUT /admin/users/:id/roles. The new role is in the
 * user's next access token (at the latest after one refresh, ≤ JWT_ACCESS_TTL).
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { Role } from '../users/role.enum';
import { UsersService } from '../users/users.service';
import { CliModule } from './cli.module';

async function main(): Promise<number> {
  const email = process.argv[2];
  if (!email) {
    console.error('Usage: npm run admin:grant -- <email>');
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    const user = await app.get(UsersService).grantRole(email, Role.Admin);
    await app
      .get(AuditService)
      .record(AuditEventType.AdminGranted, { userId: user.id, userAgent: 'cli' });
    console.log(`${user.email} now has the roles: ${user.roles.join(', ')}`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
