import { ApiProperty } from '@nestjs/swagger';

/** What an authenticator app needs; returned by setup only, never again. */
export class TotpSetupDto {
  @ApiProperty({
    example: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP',
    description: 'The base32 secret, for typing into an app by hand. Shown this once.',
  })
  secret: string;

  @ApiProperty({
    example:
      'otpauth://totp/nest-jwt-auth:ada%40example.com?issuer=nest-jwt-auth&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&algorithm=SHA1&digits=6&period=30',
    description: 'Key Uri Format: SHA-1, 6 digits, 30-second steps',
  })
  otpauthUrl: string;

  @ApiProperty({
    example: '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 37 37">…</svg>',
    description: 'The otpauthUrl as a QR code, an SVG document to show for the app to scan',
  })
  qrSvg: string;
}
