import { Secret, TOTP } from 'otpauth';
import { TestApp } from './test-app';

/** The code an authenticator app shows for `secret`, `offsetSteps` steps from now. */
export function totpCode(secret: string, offsetSteps = 0): string {
  return TOTP.generate({
    secret: Secret.fromBase32(secret),
    timestamp: Date.now() + offsetSteps * 30_000,
  });
}

export interface EnrolledUser {
  secret: string;
  recoveryCodes: string[];
}

/** Setup and confirm with the current code, as a person with an authenticator app would. */
export async function enrolTotp(t: TestApp, bearer: string): Promise<EnrolledUser> {
  const setup = await t
    .http()
    .post('/auth/mfa/totp/setup')
    .set('Authorization', bearer)
    .expect(200);
  const secret = setup.body.secret as string;
  const confirm = await t
    .http()
    .post('/auth/mfa/totp/confirm')
    .set('Authorization', bearer)
    .send({ code: totpCode(secret) })
    .expect(200);
  return { secret, recoveryCodes: confirm.body.recoveryCodes as string[] };
}

/**
 * A code is accepted only for a time step after the last one used, and a test cannot wait for the
 * clock: this forgets the last step, as if the next step had come.
 */
export async function forgetLastUsedStep(t: TestApp, userId: string): Promise<void> {
  await t.dataSource.query('UPDATE user_mfa SET last_used_step = NULL WHERE user_id = $1', [
    userId,
  ]);
}
