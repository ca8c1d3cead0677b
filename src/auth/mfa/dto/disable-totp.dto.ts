import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { MaxBytes } from '../../../common/validation/max-bytes.decorator';
import { BCRYPT_MAX_BYTES } from '../../password.service';

export class DisableTotpDto {
  @ApiProperty({ example: 'correct horse battery staple', format: 'password' })
  @IsString()
  @MinLength(8)
  @MaxBytes(BCRYPT_MAX_BYTES)
  password: string;

  @ApiProperty({
    example: '123456',
    description: 'A code of the authenticator app, or one of the unused recovery codes',
  })
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9 -]+$/, { message: 'code must be a TOTP code or a recovery code' })
  code: string;
}
