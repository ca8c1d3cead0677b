import { Injectable, NotFoundException } from '@nestjs/common';
import { AuditEventType } from '../audit/audit-event-type';
import { AuditService } from '../audit/audit.service';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { ClientInfo } from '../auth/decorators/client-info.decorator';
import { MfaService } from '../auth/mfa/mfa.service';
import { Page } from '../common/pagination/page.dto';
import { SessionsService } from '../users/sessions.service';
import { Role } from '../users/role.enum';
import { UserAdministrationService } from '../users/user-administration.service';
import { User } from '../users/user.entity';
import { AdminUserDto, AdminUsersQueryDto } from './dto/admin-user.dto';

const notFound = () => new NotFoundException('User not found');

/**
 * The /admin/users routes (../shared/API.md, "Administration and operations"). The changes
 * themselves, with their revocations and the last-admin rule, live in users/; this adds the
 * admin's view of a user and the audit record naming the acting admin.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly administration: UserAdministrationService,
    private readonly sessions: SessionsService,
    private readonly mfa: MfaService,
    private readonly audit: AuditService,
  ) {}

  async list(query: AdminUsersQueryDto): Promise<Page<AdminUserDto>> {
    const [users, total] = await this.administration.search({
      query: query.query,
      offset: query.offset,
      limit: query.limit,
    });
    return { items: await this.view(users), page: query.page, limit: query.limit, total };
  }

  async get(id: string): Promise<AdminUserDto> {
    const user = await this.administration.findById(id);
    if (!user) throw notFound();
    const [view] = await this.view([user]);
    return view;
  }

  async disable(id: string, admin: AuthenticatedUser, client: ClientInfo): Promise<void> {
    const user = await this.administration.disable(id);
    if (!user) throw notFound();
    await this.record(AuditEventType.AdminUserDisabled, id, admin, client);
  }

  async enable(id: string, admin: AuthenticatedUser, client: ClientInfo): Promise<void> {
    const user = await this.administration.enable(id);
    if (!user) throw notFound();
    await this.record(AuditEventType.AdminUserEnabled, id, admin, client);
  }

  async setRoles(
    id: string,
    roles: Role[],
    admin: AuthenticatedUser,
    client: ClientInfo,
  ): Promise<AdminUserDto> {
    const user = await this.administration.setRoles(id, roles);
    if (!user) throw notFound();
    await this.record(AuditEventType.AdminRolesChanged, id, admin, client);
    const [view] = await this.view([user]);
    return view;
  }

  async logoutAll(id: string, admin: AuthenticatedUser, client: ClientInfo): Promise<void> {
    if (!(await this.administration.logoutAll(id))) throw notFound();
    await this.record(AuditEventType.AdminLogoutAll, id, admin, client);
  }

  async delete(id: string, admin: AuthenticatedUser, client: ClientInfo): Promise<void> {
    if (!(await this.administration.delete(id))) throw notFound();
    await this.record(AuditEventType.AdminUserDeleted, id, admin, client);
  }

  private async view(users: User[]): Promise<AdminUserDto[]> {
    const ids = users.map((user) => user.id);
    const [mfaOn, live] = await Promise.all([
      this.mfa.enabledAmong(ids),
      this.sessions.countLiveByUser(ids),
    ]);
    return users.map((user) =>
      AdminUserDto.fromUser(user, {
        mfaEnabled: mfaOn.has(user.id),
        liveSessions: live.get(user.id) ?? 0,
      }),
    );
  }

  private record(
    type: AuditEventType,
    userId: string,
    admin: AuthenticatedUser,
    client: ClientInfo,
  ): Promise<void> {
    return this.audit.record(type, {
      userId,
      actorId: admin.id,
      sessionId: admin.sessionId,
      ...client,
    });
  }
}
