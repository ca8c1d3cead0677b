import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { MaxBytes } from '../../common/validation/max-bytes.decorator';
import { Trim } from '../../common/validation/trim.decorator';
import { BCRYPT_MAX_BYTES } from '../password.service';

export class LoginDto {
  @ApiProperty({ example: 'ada@example.com' })
  @Trim()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  @ApiProperty({ example: 'correct horse battery staple', format: 'password' })
  @IsString()
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;
}
