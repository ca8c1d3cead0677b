import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** One public key as RFC 7517 / RFC 8037 describe it; never a private member (d). */
export class JsonWebKeyDto {
  @ApiProperty({ enum: ['OKP', 'EC'], description: 'OKP for Ed25519, EC for P-256' })
  kty: 'OKP' | 'EC';

  @ApiProperty({ enum: ['Ed25519', 'P-256'] })
  crv: 'Ed25519' | 'P-256';

  @ApiProperty({ description: 'Public key (Ed25519) or its x coordinate (P-256), base64url' })
  x: string;

  @ApiPropertyOptional({ description: 'P-256 only: the y coordinate, base64url' })
  y?: string;

  @ApiProperty({
    description: "RFC 7638 JWK thumbprint (SHA-256, base64url): the access token header's kid",
  })
  kid: string;

  @ApiProperty({ enum: ['EdDSA', 'ES256'] })
  alg: 'EdDSA' | 'ES256';

  @ApiProperty({ enum: ['sig'] })
  use: 'sig';
}

export class JsonWebKeySetDto {
  @ApiProperty({
    type: [JsonWebKeyDto],
    description:
      'The current, previous and next public keys; empty when JWT_ALGORITHM=HS256 (a shared secret is never published)',
  })
  keys: JsonWebKeyDto[];
}
