import { Module } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtModule } from '@nestjs/jwt';
import { PassportModule } from '@nestjs/passport';
import { authConfig } from '../config/auth.config';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { BrowserSessionService } from './browser-session.service';
import { PasswordService } from './password.service';
import { ACCESS_TOKEN_ALGORITHM } from './access-token-verifier';
import { JwtStrategy } from './strategies/jwt.strategy';
import { LoginAttemptsService } from './login-attempts.service';
import { LocalStrategy } from './strategies/local.strategy';
import { TokenService } from './token.service';

@Module({
  imports: [
    UsersModule,
    AuditModule,
    PassportModule,
    JwtModule.registerAsync({
      inject: [authConfig.KEY],
      useFactory: (config: ConfigType<typeof authConfig>) => ({
        // A KeyObject, never a string: see config/signing-keys.ts.
        secret: config.signingKey.key,
        signOptions: {
          algorithm: ACCESS_TOKEN_ALGORITHM,
          keyid: config.signingKey.kid,
          issuer: config.issuer,
          audience: config.audience,
        },
      }),
    }),
  ],
  controllers: [AuthController],
  // The global JwtAuthGuard (AppModule) asks the strategy directly.
  exports: [JwtStrategy],
  providers: [
    AuthService,
    BrowserSessionService,
    PasswordService,
    TokenService,
    LoginAttemptsService,
    LocalStrategy,
    JwtStrategy,
  ],
})
export class AuthModule {}
