import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { MaxBytes } from '../../common/validation/max-bytes.decorator';
import { Trim } from '../../common/validation/trim.decorator';
import { BCRYPT_MAX_BYTES } from '../password.service';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Trim()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  // Register's rules: no password outside them was ever set, so such input is a 400 before any
  // bcrypt. Being required also keeps passport-local from looking for one in the query string.
  @ApiProperty({
    example: 'correct horse battery staple',
    format: 'password',
    minLength: 8,
    maxLength: BCRYPT_MAX_BYTES,
    description: 'At least 8 characters and at most 72 bytes of UTF-8, as at registration',
  })
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;
}
