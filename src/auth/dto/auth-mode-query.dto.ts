import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class AuthModeQueryDto {
  @ApiPropertyOptional({
    enum: ['cookie'],
    description:
      'Browser mode: the refresh token goes in an HttpOnly cookie (Path=/auth) instead of the body, with a ' +
      'CSRF token to echo in X-CSRF-Token when refreshing or logging out by cookie',
  })
  @IsOptional()
  @IsIn(['cookie'])
  mode?: 'cookie';
}
