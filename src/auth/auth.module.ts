import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '../audit/audit.module';
import { MailModule } from '../mail/mail.module';
import { UsersModule } from '../users/users.module';
import { AccountController } from './account.controller';
import { AccountService } from './account.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BrowserSessionService } from './browser-session.service';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';
import { PasswordService } from './password.service';
import { AccessTokenSigner } from './keys/access-token-signer';
import { JwksController } from './keys/jwks.controller';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LoginAttemptsService } from './login-attempts.service';
import { LocalStrategy } from './strategies/local.strategy';
import { MfaChallenge } from './mfa/mfa-challenge.entity';
import { MfaController } from './mfa/mfa.controller';
import { MfaLoginService } from './mfa/mfa-login.service';
import { MfaRecoveryCode } from './mfa/mfa-recovery-code.entity';
import { MfaService } from './mfa/mfa.service';
import { UserMfa } from './mfa/user-mfa.entity';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    AuditModule,
    MailModule,
    PassportModule,
    // auth/mfa owns its tables (CONVENTIONS.md): the enrolments, recovery codes and challenges.
    TypeOrmModule.forFeature([UserMfa, MfaRecoveryCode, MfaChallenge]),
  ],
  controllers: [AuthController, JwksController, MfaController, AccountController],
  // The global JwtAuthGuard (AppModule) asks the strategy directly.
  exports: [JwtStrategy, MfaService, PasswordService],
  providers: [
    AuthService,
    BrowserSessionService,
    PasswordService,
    TokenService,
    AccessTokenSigner,
    LoginAttemptsService,
    MfaService,
    MfaLoginService,
    LocalStrategy,
    JwtStrategy,
    EmailVerificationService,
    PasswordResetService,
    AccountService,
  ],
})
export class AuthModule {}
