import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { TOTP_CODE_PATTERN } from './totp-code.dto';

/** The second step of a login: the mfaToken of the first, with one of the two kinds of code. */
export class VerifyMfaDto {
  @ApiProperty({ description: 'From the login response; lives 5 minutes' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{43}$/, { message: 'mfaToken must be the token the login returned' })
  @MaxLength(43)
  mfaToken: string;

  @ApiPropertyOptional({
    example: '123456',
    description: 'The code the authenticator app shows now (send this or recoveryCode)',
  })
  @IsOptional()
  @Matches(TOTP_CODE_PATTERN, { message: 'code must be the 6 digits the authenticator app shows' })
  @MaxLength(6)
  code?: string;

  @ApiPropertyOptional({
    example: 'abcd-efgh-ijkl-mnop',
    description: 'One of the recovery codes given at enrolment; each works once',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9 -]+$/, { message: 'recoveryCode must be one of the recovery codes' })
  recoveryCode?: string;
}
