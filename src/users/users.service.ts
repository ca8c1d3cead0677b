import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError, Repository } from 'typeorm';
import { Role } from './role.enum';
import { SessionsService } from './sessions.service';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string;
}

@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sessions: SessionsService,
  ) {}

  /** Emails are compared trimmed and case-insensitively (../shared/API.md, register). */
  static normalizeEmail(email: string): string {
    return email.trim().toLowerCase();
  }

  async create(input: NewUser): Promise<User> {
    try {
      return await this.users.save(
        this.users.create({
          email: UsersService.normalizeEmail(input.email),
          name: input.name ?? null,
          passwordHash: input.passwordHash,
          roles: [Role.User],
        }),
      );
    } catch (error) {
      // The unique index decides, so two racing registrations cannot both win.
      if (
        error instanceof QueryFailedError &&
        (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
      ) {
        throw new ConflictException('Email already registered');
      }
      throw error;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.users.findOneBy({ id });
  }

  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: UsersService.normalizeEmail(email) });
  }

  /** The one query that reads the password hash; nothing else can select it by accident. */
  findByEmailWithPasswordHash(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('user.email = :email', { email: UsersService.normalizeEmail(email) })
      .getOne();
  }

  async updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.users.update({ id }, { passwordHash });
  }

  /**
   * The one way to delete a user (../shared/API.md, DELETE /auth/me): every session is revoked in
   * the same transaction, then announced, so the access tokens fail at once on every instance.
   * The sessions stay as revoked rows without a user until the purge (the foreign key sets
   * user_id to NULL), so an instance that starts meanwhile still reloads the revocations.
   * @returns false when there is no such user
   */
  async delete(id: string, now = new Date()): Promise<boolean> {
    const revoked = await this.dataSource.transaction((manager) =>
      this.deleteInTransaction(manager, id, now),
    );
    if (!revoked) return false;
    await this.sessions.announceRevoked(revoked, now);
    return true;
  }

  /**
   * delete's work inside the caller's transaction (the admin route checks the last admin in the
   * same one); the caller announces the returned session ids once it has committed.
   * @returns the revoked session ids, or undefined when there is no such user
   */
  async deleteInTransaction(
    manager: EntityManager,
    id: string,
    now: Date,
  ): Promise<string[] | undefined> {
    // Locked first, a login racing this cannot add a session after the revoke: its insert
    // waits on the lock for the foreign-key check and then finds no user.
    const user = await manager
      .getRepository(User)
      .createQueryBuilder('user')
      .setLock('pessimistic_write')
      .where('user.id = :id', { id })
      .getOne();
    if (!user) return undefined;
    const ids = await this.sessions.markAllRevokedForUser(manager, id, 'user_deleted', now);
    await manager.delete(User, { id });
    return ids;
  }

  /**
   * Stamps a login and tells whether the account is disabled, in one statement. AuthService
   * calls it after creating the session: a disable that committed before the session existed is
   * seen here, one that commits after it revokes the session itself (it locks the user row,
   * which the session insert's foreign-key check waits on), so no session outlives a disable.
   * @returns whether the user is disabled (or gone)
   */
  async recordLogin(id: string, now = new Date()): Promise<{ disabled: boolean }> {
    const result: [{ disabled_at: Date | null }[], number] = await this.dataSource.query(
      `UPDATE users SET last_login_at = CASE WHEN disabled_at IS NULL THEN $2 ELSE last_login_at END
       WHERE id = $1 RETURNING disabled_at`,
      [id, now],
    );
    const [row] = result[0];
    return { disabled: !row || row.disabled_at != null };
  }

  /** The operator command admin:grant (the first admin); admins then use PUT /admin/users/:id/roles. */
  async grantRole(email: string, role: Role): Promise<User> {
    const user = await this.users.findOneBy({ email: UsersService.normalizeEmail(email) });
    if (!user)
      throw new NotFoundException(`No user with email ${UsersService.normalizeEmail(email)}`);
    if (!user.roles.includes(role)) {
      user.roles = [...user.roles, role];
      await this.users.update({ id: user.id }, { roles: user.roles });
    }
    return user;
  }
}
