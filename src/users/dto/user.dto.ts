import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../role.enum';
import { User } from '../user.entity';

/** The only shape in which a user leaves the service: no hash, no token data. */
export class UserDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'ada@example.com' })
  email: string;

  @ApiProperty({ type: String, nullable: true, example: 'Ada Lovelace' })
  name: string | null;

  @ApiProperty({ enum: Role, isArray: true, example: [Role.User] })
  roles: Role[];

  @ApiProperty({
    description: 'Whether the owner proved the address (verification link or password reset)',
  })
  emailVerified: boolean;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  static from(user: User): UserDto {
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      roles: user.roles,
      emailVerified: user.emailVerifiedAt != null,
      createdAt: user.createdAt.toISOString(),
    };
  }
}
