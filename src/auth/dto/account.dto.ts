import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { MaxBytes } from '../../common/validation/max-bytes.decorator';
import { Trim } from '../../common/validation/trim.decorator';
import { BCRYPT_MAX_BYTES } from '../password.service';

/** What the mail links carry: 43 base64url characters; anything else is simply an invalid link. */
const EMAILED_TOKEN = {
  example: 'Zq3v9m2Lw0cJ6cS1rQm8a1b2c3d4e5f6g7h8i9j0k1l',
  description: 'The token from the link in the mail (the part after `token=`)',
};

/** Register's rules for a new password (../shared/API.md, POST /auth/register). */
const NEW_PASSWORD = {
  example: 'another horse battery staple',
  format: 'password',
  minLength: 8,
  maxLength: BCRYPT_MAX_BYTES,
  description: 'At least 8 characters and at most 72 bytes of UTF-8, as at registration',
};

/** A password checked against the stored hash: no password outside register's rules was ever set. */
const CURRENT_PASSWORD = { ...NEW_PASSWORD, example: 'correct horse battery staple' };

export class EmailTokenDto {
  @ApiProperty(EMAILED_TOKEN)
  @IsString()
  @MaxLength(200)
  token: string;
}

export class ForgotPasswordDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Trim()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;
}

export class ResetPasswordDto {
  @ApiProperty(EMAILED_TOKEN)
  @IsString()
  @MaxLength(200)
  token: string;

  @ApiProperty(NEW_PASSWORD)
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;
}

export class ChangePasswordDto {
  @ApiProperty(CURRENT_PASSWORD)
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  currentPassword: string;

  @ApiProperty(NEW_PASSWORD)
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  newPassword: string;
}

export class DeleteAccountDto {
  @ApiProperty(CURRENT_PASSWORD)
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;
}

/** The answer to a request that may send a mail: the same whatever happens next. */
export class MailAcceptedDto {
  @ApiProperty({
    example: 'If an account exists for this address, a mail is on its way',
  })
  message: string;
}
