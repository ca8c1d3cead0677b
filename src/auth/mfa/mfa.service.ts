import { ConflictException, Inject, Injectable, Logger } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { Secret } from 'otpauth';
import QRCode from 'qrcode';
import { DataSource, In, IsNull, Not, Repository } from 'typeorm';
import { AuditEventType } from '../../audit/audit-event-type';
import { AuditService } from '../../audit/audit.service';
import { authConfig } from '../../config/auth.config';
import { mfaConfig } from '../../config/mfa.config';
import { SessionsService } from '../../users/sessions.service';
import { UsersService } from '../../users/users.service';
import { AuthError } from '../auth-errors';
import { AuthenticatedUser } from '../authenticated-user';
import { ClientInfo } from '../decorators/client-info.decorator';
import { LoginAttemptsService } from '../login-attempts.service';
import { PasswordService } from '../password.service';
import { DataEncryption } from './data-encryption';
import { RecoveryCodesDto } from './dto/recovery-codes.dto';
import { TotpSetupDto } from './dto/totp-setup.dto';
import { MfaInvalidError } from './mfa-errors';
import { MfaRecoveryCode } from './mfa-recovery-code.entity';
import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';
import { matchingStep, newTotpSecret, otpauthUrl } from './totp';
import { UserMfa } from './user-mfa.entity';

const TOTP_CODE = /^\d{6}$/;

/**
 * TOTP enrolment (setup → confirm → disable) and the checks of a second factor
 * (../shared/API.md, "Multi-factor authentication"). Owns user_mfa and mfa_recovery_codes.
 */
@Injectable()
export class MfaService {
  private readonly logger = new Logger(MfaService.name);
  private readonly secrets: DataEncryption;

  constructor(
    @InjectRepository(UserMfa) private readonly enrolments: Repository<UserMfa>,
    @InjectRepository(MfaRecoveryCode) private readonly recoveryCodes: Repository<MfaRecoveryCode>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly passwords: PasswordService,
    private readonly attempts: LoginAttemptsService,
    private readonly audit: AuditService,
    @Inject(mfaConfig.KEY) config: ConfigType<typeof mfaConfig>,
    @Inject(authConfig.KEY) private readonly auth: ConfigType<typeof authConfig>,
  ) {
    this.secrets = new DataEncryption(config.dataEncryptionKey, 'totp-secret');
  }

  /** Whether logins of this user need a second factor (a confirmed enrolment). */
  isEnabled(userId: string): Promise<boolean> {
    return this.enrolments.existsBy({ userId, confirmedAt: Not(IsNull()) });
  }

  /** Which of these users have MFA on (the admin user list): one query for a page. */
  async enabledAmong(userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.enrolments.find({
      select: { userId: true },
      where: { userId: In(userIds), confirmedAt: Not(IsNull()) },
    });
    return new Set(rows.map((row) => row.userId));
  }

  /**
   * A new secret, pending until confirmed; a pending one is replaced. While MFA is on, setup is
   * refused: replacing the secret is disable, then setup again.
   */
  async setup(principal: AuthenticatedUser): Promise<TotpSetupDto> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new AuthError('session_revoked');
    const secret = newTotpSecret();
    const stored: unknown[] = await this.dataSource.query(
      `INSERT INTO user_mfa (user_id, totp_secret_sealed) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE
         SET totp_secret_sealed = EXCLUDED.totp_secret_sealed, last_used_step = NULL, created_at = now()
         WHERE user_mfa.confirmed_at IS NULL
       RETURNING user_id`,
      [user.id, this.secrets.encrypt(secret, user.id)],
    );
    if (stored.length === 0)
      throw new ConflictException('MFA is already enabled; disable it first');
    const url = otpauthUrl(secret, this.auth.issuer, user.email);
    const qrSvg = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    return { secret, otpauthUrl: url, qrSvg };
  }

  /**
   * The first right code turns MFA on: ten recovery codes are made (shown once, stored as hashes)
   * and every other session of the user ends, since it was opened with the password alone.
   */
  async confirm(
    principal: AuthenticatedUser,
    code: string,
    client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    const pending = await this.enrolments.findOneBy({ userId: principal.id });
    if (!pending || pending.confirmedAt) {
      throw new ConflictException(
        pending
          ? 'MFA is already enabled'
          : 'Nothing to confirm: call POST /auth/mfa/totp/setup first',
      );
    }
    const step = matchingStep(this.secretOf(pending), code, Date.now());
    if (step === undefined) {
      await this.audit.record(AuditEventType.MfaFailed, this.context(principal, client));
      throw new MfaInvalidError();
    }
    const codes = newRecoveryCodes();
    const confirmed = await this.dataSource.transaction(async (manager) => {
      const result = await manager
        .createQueryBuilder()
        .update(UserMfa)
        .set({ confirmedAt: () => 'now()', lastUsedStep: String(step) })
        .where('user_id = :userId AND confirmed_at IS NULL', { userId: principal.id })
        .execute();
      if (!result.affected) return false;
      await manager.delete(MfaRecoveryCode, { userId: principal.id });
      await manager.insert(
        MfaRecoveryCode,
        codes.map((recovery) => ({ userId: principal.id, codeHash: hashRecoveryCode(recovery) })),
      );
      return true;
    });
    if (!confirmed) throw new ConflictException('MFA is already enabled');
    await this.sessions.revokeOthersForUser(principal.id, principal.sessionId, 'mfa_enabled');
    await this.audit.record(AuditEventType.MfaEnabled, this.context(principal, client));
    return { recoveryCodes: codes };
  }

  /**
   * Turning MFA off takes the password and a code (or a recovery code), both counted in the
   * account's lock like a login: a stolen access token alone must not remove the second factor,
   * nor serve to guess the password.
   */
  async disable(
    principal: AuthenticatedUser,
    password: string,
    code: string,
    client: ClientInfo,
  ): Promise<void> {
    const user = await this.users.findById(principal.id);
    if (!user) throw new AuthError('session_revoked');
    if (!(await this.isEnabled(user.id))) throw new ConflictException('MFA is not enabled');
    const attempt = await this.attempts.begin(user.email, client.ip);
    let passwordOk: boolean;
    try {
      const withHash = await this.users.findByEmailWithPasswordHash(user.email);
      passwordOk = withHash ? await this.passwords.verify(password, withHash.passwordHash) : false;
    } catch (error) {
      await this.attempts.cancel(attempt);
      throw error;
    }
    const context = this.context(principal, client);
    if (!passwordOk) {
      await this.audit.record(AuditEventType.LoginFailed, context);
      if (attempt.locksOnFailure) await this.audit.record(AuditEventType.Lockout, context);
      throw new AuthError('invalid_credentials');
    }
    const method = await this.consumeSecondFactor(user.id, code);
    if (!method) {
      await this.audit.record(AuditEventType.MfaFailed, context);
      if (attempt.locksOnFailure) await this.audit.record(AuditEventType.Lockout, context);
      throw new MfaInvalidError();
    }
    await this.attempts.succeeded(attempt);
    if (method === 'recovery_code')
      await this.audit.record(AuditEventType.RecoveryCodeUsed, context);
    await this.dataSource.transaction(async (manager) => {
      await manager.delete(MfaRecoveryCode, { userId: user.id });
      await manager.delete(UserMfa, { userId: user.id });
    });
    await this.audit.record(AuditEventType.MfaDisabled, context);
  }

  /** A 6-digit value is a TOTP code; anything else is tried as a recovery code. */
  async consumeSecondFactor(
    userId: string,
    code: string,
  ): Promise<'totp' | 'recovery_code' | undefined> {
    if (TOTP_CODE.test(code)) return (await this.consumeTotp(userId, code)) ? 'totp' : undefined;
    return (await this.consumeRecoveryCode(userId, code)) ? 'recovery_code' : undefined;
  }

  /**
   * A right code for a time step after the last one used. The step is claimed by one conditional
   * UPDATE, so of two requests with the same code — on one instance or two — exactly one wins:
   * a code works once, and an older code never works after a newer one did.
   */
  async consumeTotp(userId: string, code: string, nowMs = Date.now()): Promise<boolean> {
    const enrolment = await this.enrolments.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    if (!enrolment) return false;
    const step = matchingStep(this.secretOf(enrolment), code, nowMs);
    if (step === undefined) return false;
    const result = await this.enrolments
      .createQueryBuilder()
      .update(UserMfa)
      .set({ lastUsedStep: String(step) })
      .where(
        'user_id = :userId AND confirmed_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < :step)',
        { userId, step },
      )
      .execute();
    return result.affected === 1;
  }

  /** A recovery code works once: the UPDATE that marks it used is also the check. */
  async consumeRecoveryCode(userId: string, code: string): Promise<boolean> {
    const result = await this.recoveryCodes
      .createQueryBuilder()
      .update(MfaRecoveryCode)
      .set({ usedAt: () => 'now()' })
      .where('code_hash = :hash AND user_id = :userId AND used_at IS NULL', {
        hash: hashRecoveryCode(code),
        userId,
      })
      .execute();
    return result.affected === 1;
  }

  private secretOf(enrolment: UserMfa): Secret {
    try {
      return Secret.fromBase32(this.secrets.decrypt(enrolment.totpSecretSealed, enrolment.userId));
    } catch (error) {
      // Never the secret: only that it could not be opened, which is a configuration problem.
      this.logger.error(
        `The TOTP secret of user ${enrolment.userId} cannot be decrypted: was DATA_ENCRYPTION_KEY changed?`,
      );
      throw error;
    }
  }

  private context(principal: AuthenticatedUser, client: ClientInfo) {
    return { userId: principal.id, sessionId: principal.sessionId, ...client };
  }
}
