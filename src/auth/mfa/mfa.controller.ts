import { Body, Controller, Header, HttpCode, HttpStatus, Post, Query, Res } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import {
  ApiDatabaseErrors,
  ApiRateLimited,
  ApiValidationErrors,
  ErrorResponseDto,
  errorExample,
} from '../../common/http/error-response.dto';
import { ApiBearerRoute } from '../auth-api-docs';
import { AuthenticatedUser } from '../authenticated-user';
import { BrowserSessionService, BrowserTokenResponse } from '../browser-session.service';
import { Client, ClientInfo } from '../decorators/client-info.decorator';
import { CurrentUser } from '../decorators/current-user.decorator';
import { Public } from '../decorators/public.decorator';
import { AuthModeQueryDto } from '../dto/auth-mode-query.dto';
import { BrowserTokenResponseDto, TokenPairDto } from '../dto/token-pair.dto';
import { DisableTotpDto } from './dto/disable-totp.dto';
import { RecoveryCodesDto } from './dto/recovery-codes.dto';
import { ConfirmTotpDto } from './dto/totp-code.dto';
import { TotpSetupDto } from './dto/totp-setup.dto';
import { VerifyMfaDto } from './dto/verify-mfa.dto';
import { MfaLoginService } from './mfa-login.service';
import { MfaService } from './mfa.service';

const NO_STORE = { 'Cache-Control': { description: 'no-store', schema: { type: 'string' } } };
const WRONG_CODE = errorExample(401, 'Unauthorized', 'Invalid or already used code', 'mfa_invalid');

/** Second factor (../shared/API.md, "Multi-factor authentication"): TOTP enrolment and login. */
@ApiTags('mfa')
@ApiExtraModels(TokenPairDto, BrowserTokenResponseDto)
@ApiDatabaseErrors()
@ApiRateLimited()
@Controller('auth/mfa')
export class MfaController {
  constructor(
    private readonly mfa: MfaService,
    private readonly mfaLogin: MfaLoginService,
    private readonly browser: BrowserSessionService,
  ) {}

  @Post('totp/setup')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiBearerRoute()
  @ApiOperation({
    summary: 'Start TOTP enrolment: a new secret, as text, otpauth URL and QR code',
    description:
      'SHA-1, 6 digits, 30 s. Nothing is enforced until POST /auth/mfa/totp/confirm; calling setup ' +
      'again replaces a pending secret. The secret is stored encrypted and never returned again.',
  })
  @ApiOkResponse({ type: TotpSetupDto, headers: NO_STORE })
  @ApiConflictResponse({
    description: 'MFA is already enabled: disable it first',
    type: ErrorResponseDto,
    example: errorExample(409, 'Conflict', 'MFA is already enabled; disable it first'),
  })
  setup(@CurrentUser() user: AuthenticatedUser): Promise<TotpSetupDto> {
    return this.mfa.setup(user);
  }

  @Post('totp/confirm')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Turn MFA on with a first code; returns ten recovery codes, shown this once',
    description:
      'From now on logins need a second factor. Every other session of the account is revoked.',
  })
  @ApiOkResponse({ type: RecoveryCodesDto, headers: NO_STORE })
  @ApiValidationErrors()
  @ApiBearerRoute()
  @ApiUnauthorizedResponse({
    description: 'A refused access token (token_*), or a wrong code (mfa_invalid)',
    type: ErrorResponseDto,
    example: WRONG_CODE,
  })
  @ApiConflictResponse({
    description: 'No pending setup, or MFA is already enabled',
    type: ErrorResponseDto,
    example: errorExample(409, 'Conflict', 'MFA is already enabled'),
  })
  confirm(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ConfirmTotpDto,
    @Client() client: ClientInfo,
  ): Promise<RecoveryCodesDto> {
    return this.mfa.confirm(user, dto.code, client);
  }

  @Post('totp/disable')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Turn MFA off, with the password and a code (or a recovery code)',
    description: "Both are counted in the account's failed-login lock.",
  })
  @ApiNoContentResponse({ description: 'MFA is off; the recovery codes are gone' })
  @ApiValidationErrors()
  @ApiBearerRoute()
  @ApiUnauthorizedResponse({
    description:
      'A refused access token (token_*), a wrong password (invalid_credentials) or a wrong code (mfa_invalid)',
    type: ErrorResponseDto,
    example: WRONG_CODE,
  })
  @ApiConflictResponse({
    description: 'MFA is not enabled',
    type: ErrorResponseDto,
    example: errorExample(409, 'Conflict', 'MFA is not enabled'),
  })
  disable(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: DisableTotpDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.mfa.disable(user, dto.password, dto.code, client);
  }

  @Public()
  @Post('verify')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Second step of a login: the mfaToken with a TOTP code or a recovery code',
    description:
      'Returns the token pair as POST /auth/login does (?mode=cookie: the browser mode). A TOTP ' +
      'code is accepted once; a recovery code works once. After 5 wrong codes the mfaToken is dead.',
  })
  @ApiOkResponse({
    description: 'A token pair; in browser mode (?mode=cookie) the refresh token is in a cookie',
    headers: {
      ...NO_STORE,
      'Set-Cookie': {
        description: 'Browser mode only: the refresh token (HttpOnly) and the CSRF token',
        schema: { type: 'string' },
      },
    },
    schema: {
      oneOf: [
        { $ref: getSchemaPath(TokenPairDto) },
        { $ref: getSchemaPath(BrowserTokenResponseDto) },
      ],
    },
  })
  @ApiValidationErrors()
  @ApiUnauthorizedResponse({
    description:
      'A wrong or reused code (mfa_invalid: ask again), or an mfaToken that is unknown, expired, ' +
      'used or dead after 5 wrong codes (token_invalid: log in again)',
    type: ErrorResponseDto,
    example: WRONG_CODE,
  })
  @ApiForbiddenResponse({
    description: 'account_disabled: an admin disabled the account since the password step',
    type: ErrorResponseDto,
    example: errorExample(403, 'Forbidden', 'This account is disabled', 'account_disabled'),
  })
  async verify(
    @Body() dto: VerifyMfaDto,
    @Client() client: ClientInfo,
    @Query() query: AuthModeQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairDto | BrowserTokenResponse> {
    const pair = await this.mfaLogin.verify(dto, client);
    return query.mode === 'cookie' ? this.browser.respond(reply, pair) : pair;
  }
}
