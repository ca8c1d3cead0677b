import { ApiProperty } from '@nestjs/swagger';
import { Matches, MaxLength } from 'class-validator';

export const TOTP_CODE_PATTERN = /^\d{6}$/;

export class ConfirmTotpDto {
  @ApiProperty({ example: '123456', description: 'The code the authenticator app shows now' })
  @Matches(TOTP_CODE_PATTERN, { message: 'code must be the 6 digits the authenticator app shows' })
  @MaxLength(6)
  code: string;
}
