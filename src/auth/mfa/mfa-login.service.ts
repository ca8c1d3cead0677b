import { createHash, randomBytes } from 'node:crypto';
import { BadRequestException, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import { User } from '../../users/user.entity';
import { UsersService } from '../../users/users.service';
import { AuthError } from '../auth-errors';
import { AuthService } from '../auth.service';
import { ClientInfo } from '../decorators/client-info.decorator';
import { TokenPairDto } from '../dto/token-pair.dto';
import { LoginAttemptsService } from '../login-attempts.service';
import { MFA_METHODS, MfaChallengeDto } from './dto/mfa-challenge.dto';
import { VerifyMfaDto } from './dto/verify-mfa.dto';
import { MfaChallenge } from './mfa-challenge.entity';
import { MfaInvalidError } from './mfa-errors';
import { MfaService } from './mfa.service';

export const MFA_TOKEN_TTL_MS = 5 * 60_000;
export const MFA_TOKEN_MAX_WRONG_CODES = 5;

/**
 * The two-step login of an account with a second factor (../shared/API.md, "Multi-factor
 * authentication"): the right password gives an mfaToken instead of tokens, and the token pair
 * comes from POST /auth/mfa/verify with a code. Owns mfa_challenges.
 */
@Injectable()
export class MfaLoginService {
  constructor(
    @InjectRepository(MfaChallenge) private readonly challenges: Repository<MfaChallenge>,
    private readonly mfa: MfaService,
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditService,
  ) {}

  /** For a user with MFA on, the challenge to answer instead of tokens; undefined otherwise. */
  async challengeIfEnrolled(user: User, now = new Date()): Promise<MfaChallengeDto | undefined> {
    if (!(await this.mfa.isEnabled(user.id))) return undefined;
    // Challenges nobody answered pile up otherwise; the index on expires_at keeps this cheap.
    await this.challenges.delete({ expiresAt: LessThan(now) });
    const mfaToken = randomBytes(32).toString('base64url');
    await this.challenges.insert({
      tokenHash: hashToken(mfaToken),
      userId: user.id,
      expiresAt: new Date(now.getTime() + MFA_TOKEN_TTL_MS),
    });
    return { mfaRequired: true, mfaToken, methods: [...MFA_METHODS] };
  }

  /**
   * The second step. The try is counted on the challenge before the code is checked (so
   * concurrent guesses get no more than five) and in the account's lock like a password; a wrong
   * code is 401 mfa_invalid, and the fifth kills the mfaToken. A right one deletes the challenge
   * (accepted once) and opens a session whose tokens say amr ["pwd","otp"].
   */
  async verify(dto: VerifyMfaDto, client: ClientInfo): Promise<TokenPairDto> {
    if ((dto.code === undefined) === (dto.recoveryCode === undefined)) {
      throw new BadRequestException(['send exactly one of code and recoveryCode']);
    }
    const claimed: { id: string; user_id: string; attempts: number }[] = await this.challenges
      .createQueryBuilder()
      .update(MfaChallenge)
      .set({ attempts: () => 'attempts + 1' })
      .where('token_hash = :hash AND expires_at > now() AND attempts < :max', {
        hash: hashToken(dto.mfaToken),
        max: MFA_TOKEN_MAX_WRONG_CODES,
      })
      .returning('id, user_id, attempts')
      .execute()
      .then((result) => result.raw as { id: string; user_id: string; attempts: number }[]);
    const challenge = claimed[0];
    // Unknown, expired, used or dead after five wrong codes: log in again.
    if (!challenge) throw new AuthError('token_invalid');
    const user = await this.users.findById(challenge.user_id);
    if (!user) throw new AuthError('token_invalid');

    const attempt = await this.attempts.begin(user.email, client.ip);
    const context = { userId: user.id, ...client };
    const accepted =
      dto.code !== undefined
        ? await this.mfa.consumeTotp(user.id, dto.code)
        : await this.mfa.consumeRecoveryCode(user.id, dto.recoveryCode!);
    if (!accepted) {
      if (challenge.attempts >= MFA_TOKEN_MAX_WRONG_CODES) {
        await this.challenges.delete({ id: challenge.id });
      }
      await this.audit.record(AuditEventType.MfaFailed, context);
      if (attempt.locksOnFailure) await this.audit.record(AuditEventType.Lockout, context);
      throw new MfaInvalidError();
    }
    await this.attempts.succeeded(attempt);
    const deleted = await this.challenges.delete({ id: challenge.id });
    // A concurrent verify with the same mfaToken won: it is accepted once.
    if (!deleted.affected) throw new AuthError('token_invalid');
    if (dto.recoveryCode !== undefined) {
      await this.audit.record(AuditEventType.RecoveryCodeUsed, context);
    }
    return this.auth.login(user, client, ['pwd', 'otp']);
  }
}

function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
