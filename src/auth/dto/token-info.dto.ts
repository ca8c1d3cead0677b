import { ApiProperty } from '@nestjs/swagger';
import { Role } from '../../users/role.enum';

/** What the access token itself says; answered without touching the database. */
export class TokenInfoDto {
  @ApiProperty({ format: 'uuid' })
  userId: string;

  @ApiProperty({ format: 'uuid' })
  sessionId: string;

  @ApiProperty({ enum: Role, isArray: true })
  roles: Role[];

  @ApiProperty({ format: 'date-time' })
  expiresAt: string;

  @ApiProperty({
    type: String,
    isArray: true,
    example: ['pwd', 'otp'],
    description: 'How the session was authenticated: pwd, plus otp after a second factor',
  })
  amr: string[];
}
