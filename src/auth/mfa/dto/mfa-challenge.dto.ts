import { ApiProperty } from '@nestjs/swagger';

export const MFA_METHODS = ['totp', 'recovery_code'] as const;
export type MfaMethod = (typeof MFA_METHODS)[number];

/** A right password for an account with a second factor: no tokens yet, a code is next. */
export class MfaChallengeDto {
  @ApiProperty({ type: Boolean, enum: [true], example: true })
  mfaRequired: true;

  @ApiProperty({
    description:
      'Send it with a code to POST /auth/mfa/verify within 5 minutes; accepted once, dead after 5 wrong codes',
  })
  mfaToken: string;

  @ApiProperty({ enum: MFA_METHODS, isArray: true, example: MFA_METHODS })
  methods: MfaMethod[];
}
