/**
 * npm run admin:revoke -- <email>   removes the admin role (refused for the last enabled admin)
 * npm run user:disable -- <email>   disables the account and revokes every session at once
 * npm run user:enable -- <email>    lets a disabled account log in again
 *
 * The same service as the /admin/users routes (users/user-administration.service.ts): the same
 * revocations, announced to every running instance, and the same last-admin rule. Audited with
 * no actor (an operator at the shell) and the user agent `cli`.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { Role } from '../users/role.enum';
import { UserAdministrationService } from '../users/user-administration.service';
import { User } from '../users/user.entity';
import { CliModule } from './cli.module';

type Command = 'admin:revoke' | 'user:disable' | 'user:enable';

const COMMANDS: Record<
  Command,
  {
    event: AuditEventType;
    apply: (service: UserAdministrationService, user: User) => Promise<User | undefined>;
    done: (user: User) => string;
  }
> = {
  'admin:revoke': {
    event: AuditEventType.AdminRevoked,
    apply: (service, user) =>
      service.setRoles(
        user.id,
        user.roles.filter((role) => role !== Role.Admin),
      ),
    done: (user) => `${user.email} now has the roles: ${user.roles.join(', ')}`,
  },
  'user:disable': {
    event: AuditEventType.AdminUserDisabled,
    apply: (service, user) => service.disable(user.id),
    done: (user) => `${user.email} is disabled; every session was revoked`,
  },
  'user:enable': {
    event: AuditEventType.AdminUserEnabled,
    apply: (service, user) => service.enable(user.id),
    done: (user) => `${user.email} is enabled`,
  },
};

function messageOf(error: unknown): string {
  if (error && typeof error === 'object' && 'getResponse' in error) {
    const response = (error as { getResponse(): unknown }).getResponse();
    if (response && typeof response === 'object' && 'message' in response)
      return String(response.message);
  }
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<number> {
  const [name, email] = process.argv.slice(2);
  const command = COMMANDS[name as Command];
  if (!command || !email) {
    console.error(
      `Usage: npm run ${command ? name : 'admin:revoke|user:disable|user:enable'} -- <email>`,
    );
    return 2;
  }
  const app = await NestFactory.createApplicationContext(CliModule, { logger: ['error', 'warn'] });
  try {
    const service = app.get(UserAdministrationService);
    const user = await service.findByEmail(email);
    if (!user) {
      console.error(`No user with email ${email.trim().toLowerCase()}`);
      return 1;
    }
    const changed = await command.apply(service, user);
    if (!changed) {
      console.error(`No user with email ${user.email}`);
      return 1;
    }
    await app.get(AuditService).record(command.event, { userId: user.id, userAgent: 'cli' });
    console.log(command.done(changed));
    return 0;
  } catch (error) {
    console.error(messageOf(error));
    return 1;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(messageOf(error));
    process.exit(1);
  },
);
