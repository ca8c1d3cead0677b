import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MaxBytes } from '../../common/validation/max-bytes.decorator';
import { Trim } from '../../common/validation/trim.decorator';
import { BCRYPT_MAX_BYTES } from '../password.service';

export class RegisterDto {
  @ApiProperty({
    example: 'ada@example.com',
    description: 'Trimmed and compared case-insensitively',
  })
  @Trim()
  @IsEmail({}, { message: 'email must be a valid email address' })
  @MaxLength(320)
  email: string;

  @ApiProperty({
    example: 'correct horse battery staple',
    format: 'password',
    minLength: 8,
    description: 'At least 8 characters and at most 72 bytes of UTF-8 (bcrypt reads no further)',
  })
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;

  @ApiPropertyOptional({ example: 'Ada Lovelace', maxLength: 200 })
  @IsOptional()
  @Trim()
  @IsString()
  @MaxLength(200)
  name?: string;
}
