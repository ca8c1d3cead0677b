import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { Role } from './role.enum';
import { User } from './user.entity';

const UNIQUE_VIOLATION = '23505';

export interface NewUser {
  email: string;
  name?: string | null;
  passwordHash: string;
}

@Injectable()
export class UsersService {
  constructor(@InjectRepository(User) private readonly users: Repository<User>) {}

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
