import { ApiProperty } from '@nestjs/swagger';

export class TokenPairDto {
  @ApiProperty({ example: 'Bearer' })
  tokenType: 'Bearer';

  @ApiProperty({ description: 'HS256 JWT; send as Authorization: Bearer <token>' })
  accessToken: string;

  @ApiProperty({ example: 900, description: 'Seconds until the access token expires' })
  expiresIn: number;

  @ApiProperty({
    description: 'Opaque; exchange at POST /auth/refresh. Stored by the server only as a hash.',
  })
  refreshToken: string;

  @ApiProperty({
    example: 604800,
    description: 'Seconds until the refresh token expires if unused',
  })
  refreshExpiresIn: number;
}

/** Browser mode: the refresh token is in an HttpOnly cookie, not here. */
export class BrowserTokenResponseDto {
  @ApiProperty({ example: 'Bearer' })
  tokenType: 'Bearer';

  @ApiProperty({
    description: 'HS256 JWT; keep it in memory only, send as Authorization: Bearer <token>',
  })
  accessToken: string;

  @ApiProperty({ example: 900 })
  expiresIn: number;

  @ApiProperty({ example: 604800 })
  refreshExpiresIn: number;

  @ApiProperty({ description: 'Echo in X-CSRF-Token when refreshing or logging out by cookie' })
  csrfToken: string;
}
