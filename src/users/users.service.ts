import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, QueryFailedError, Repository } from 'typeorm';
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
    const revoked = await this.dataSource.transaction(async (manager) => {
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
    });
    if (!revoked) return false;
    await this.sessions.announceRevoked(revoked, now);
    return true;
  }

  /** Operator command only: no route grants a role. */
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
