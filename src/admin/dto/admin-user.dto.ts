import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsEnum,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { PageDto } from '../../common/pagination/page.dto';
import { PaginationQueryDto } from '../../common/pagination/pagination-query.dto';
import { Trim } from '../../common/validation/trim.decorator';
import { UserDto } from '../../users/dto/user.dto';
import { Role } from '../../users/role.enum';
import { User } from '../../users/user.entity';

/** The user object plus what an admin needs to decide (../shared/API.md, GET /admin/users). */
export class AdminUserDto extends UserDto {
  @ApiProperty({ description: 'Login refused (403 account_disabled) until an admin enables it' })
  disabled: boolean;

  @ApiProperty({ description: 'Whether a confirmed TOTP enrolment is enforced at login' })
  mfaEnabled: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastLoginAt: string | null;

  @ApiProperty({ description: 'Sessions that can still be refreshed', minimum: 0 })
  liveSessions: number;

  static fromUser(user: User, extra: { mfaEnabled: boolean; liveSessions: number }): AdminUserDto {
    return {
      ...UserDto.from(user),
      disabled: user.disabledAt != null,
      mfaEnabled: extra.mfaEnabled,
      lastLoginAt: user.lastLoginAt?.toISOString() ?? null,
      liveSessions: extra.liveSessions,
    };
  }
}

export class AdminUserPageDto extends PageDto(AdminUserDto) {}

export class AdminUsersQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    description: 'Part of the email or name, case-insensitive (% and _ match literally)',
    example: 'ada',
  })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(320)
  query?: string;
}

export class SetRolesDto {
  @ApiProperty({ enum: Role, isArray: true, example: [Role.User, Role.Admin] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(Object.values(Role).length)
  @ArrayUnique()
  @IsEnum(Role, { each: true })
  roles: Role[];
}
