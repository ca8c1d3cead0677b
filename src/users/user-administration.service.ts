import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, Repository } from 'typeorm';
import { lastAdminConflict } from './administration-errors';
import { Role } from './role.enum';
import { RevocationReason, SessionsService } from './sessions.service';
import { User } from './user.entity';
import { UsersService } from './users.service';

export interface UserSearch {
  /** Matched against email and name, case-insensitively, as a substring. */
  query?: string;
  offset: number;
  limit: number;
}

/** What an admin change did, for the caller's audit record; undefined: no such user. */
export type AdminChange<T = User> = T | undefined;

/** `%`, `_` and the escape character itself match literally in a LIKE pattern. */
export function likeSubstring(text: string): string {
  return `%${text.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

/**
 * What an admin (the /admin/users routes) or an operator (the CLI) does to an account: search,
 * disable / enable, set roles, delete. Each change that takes rights away revokes the user's
 * sessions in the same transaction and announces it after the commit, so the access tokens fail
 * at once on every instance (../shared/API.md, "Administration and operations").
 *
 * The last enabled admin is protected: the admin rows are locked (in id order, before the
 * target, so two such changes cannot deadlock) and counted in the transaction that would remove
 * one, so two admins demoting each other at once cannot both succeed.
 */
@Injectable()
export class UserAdministrationService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
    private readonly usersService: UsersService,
  ) {}

  async search(search: UserSearch): Promise<[User[], number]> {
    const builder = this.users.createQueryBuilder('user');
    const query = search.query?.trim();
    if (query) {
      builder.where(
        `(user.email ILIKE :pattern ESCAPE '\\' OR user.name ILIKE :pattern ESCAPE '\\')`,
        { pattern: likeSubstring(query) },
      );
    }
    return builder
      .orderBy('user.createdAt', 'DESC')
      .addOrderBy('user.id', 'DESC')
      .skip(search.offset)
      .take(search.limit)
      .getManyAndCount();
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.usersService.findByEmail(email);
  }

  /** Disabling ends every session; disabling a disabled user changes nothing. */
  async disable(id: string, now = new Date()): Promise<AdminChange> {
    return this.change(id, 'account_disabled', now, async (manager, user) => {
      if (user.disabledAt) return { user, revoke: false };
      if (user.roles.includes(Role.Admin)) await this.assertAnotherAdmin(manager, user.id);
      user.disabledAt = now;
      await manager.update(User, { id }, { disabledAt: now });
      return { user, revoke: true };
    });
  }

  async enable(id: string, now = new Date()): Promise<AdminChange> {
    return this.change(id, 'account_disabled', now, async (manager, user) => {
      if (user.disabledAt) {
        user.disabledAt = null;
        await manager.update(User, { id }, { disabledAt: null });
      }
      return { user, revoke: false };
    });
  }

  /**
   * Replaces the roles. Sessions are revoked whenever the set changes, so that no access token
   * keeps a role it no longer has (nor misses one it gained: the user logs in again).
   */
  async setRoles(id: string, roles: Role[], now = new Date()): Promise<AdminChange> {
    const wanted = Object.values(Role).filter((role) => roles.includes(role));
    return this.change(id, 'roles_changed', now, async (manager, user) => {
      const same =
        wanted.length === user.roles.length && wanted.every((role) => user.roles.includes(role));
      if (same) return { user, revoke: false };
      if (user.roles.includes(Role.Admin) && !wanted.includes(Role.Admin) && !user.disabledAt)
        await this.assertAnotherAdmin(manager, user.id);
      user.roles = wanted;
      await manager.update(User, { id }, { roles: wanted });
      return { user, revoke: true };
    });
  }

  async logoutAll(id: string, now = new Date()): Promise<AdminChange<string[]>> {
    const user = await this.users.findOneBy({ id });
    if (!user) return undefined;
    return this.sessions.revokeAllForUser(id, 'admin_logout_all', now);
  }

  /** UsersService.delete (revoked sessions kept as tombstones), unless it removes the last admin. */
  async delete(id: string, now = new Date()): Promise<boolean> {
    const user = await this.users.findOneBy({ id });
    if (!user) return false;
    if (!user.roles.includes(Role.Admin) || user.disabledAt)
      return this.usersService.delete(id, now);
    // Checked and deleted under the admins' lock, so a concurrent demotion cannot slip in.
    const revoked = await this.dataSource.transaction(async (manager) => {
      await this.assertAnotherAdmin(manager, id);
      return this.usersService.deleteInTransaction(manager, id, now);
    });
    if (!revoked) return false;
    await this.sessions.announceRevoked(revoked, now);
    return true;
  }

  private async change(
    id: string,
    reason: RevocationReason,
    now: Date,
    apply: (manager: EntityManager, user: User) => Promise<{ user: User; revoke: boolean }>,
  ): Promise<AdminChange> {
    const outcome = await this.dataSource.transaction(async (manager) => {
      await this.lockAdmins(manager);
      // Locked, a login racing this cannot add a session unseen: see AuthService.login.
      const user = await manager
        .getRepository(User)
        .createQueryBuilder('user')
        .setLock('pessimistic_write')
        .where('user.id = :id', { id })
        .getOne();
      if (!user) return undefined;
      const { revoke } = await apply(manager, user);
      const revoked = revoke
        ? await this.sessions.markAllRevokedForUser(manager, id, reason, now)
        : [];
      return { user, revoked };
    });
    if (!outcome) return undefined;
    await this.sessions.announceRevoked(outcome.revoked, now);
    return outcome.user;
  }

  private async lockAdmins(manager: EntityManager): Promise<{ id: string; disabled: boolean }[]> {
    const rows: { id: string; disabled_at: Date | null }[] = await manager.query(
      `SELECT id, disabled_at FROM users WHERE $1 = ANY(roles) ORDER BY id FOR UPDATE`,
      [Role.Admin],
    );
    return rows.map((row) => ({ id: row.id, disabled: row.disabled_at != null }));
  }

  private async assertAnotherAdmin(manager: EntityManager, exceptId: string): Promise<void> {
    const admins = await this.lockAdmins(manager);
    if (!admins.some((admin) => admin.id !== exceptId && !admin.disabled))
      throw lastAdminConflict();
  }
}
