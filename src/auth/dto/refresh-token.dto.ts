import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';

export class RefreshTokenDto {
  @ApiPropertyOptional({
    description:
      'The refresh token from login or the last refresh; omit it in browser mode (the cookie is used)',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refreshToken?: string;
}
