import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiHeader,
  getSchemaPath,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  ApiDatabaseErrors,
  ApiErrorResponse,
  ApiRateLimited,
  ApiValidationErrors,
  ErrorResponseDto,
  errorExample,
} from '../common/http/error-response.dto';
import { UuidParam } from '../common/validation/uuid-param';
import { SessionDto } from '../users/dto/session.dto';
import { UserDto } from '../users/dto/user.dto';
import { User } from '../users/user.entity';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiBearerRoute, ApiOptionalBearerRoute } from './auth-api-docs';
import { AuthService } from './auth.service';
import { BrowserSessionService, BrowserTokenResponse } from './browser-session.service';
import { AuthModeQueryDto } from './dto/auth-mode-query.dto';
import { AuthenticatedUser } from './authenticated-user';
import { Client, ClientInfo } from './decorators/client-info.decorator';
import { CurrentUser } from './decorators/current-user.decorator';
import { OptionalAuth } from './decorators/optional-auth.decorator';
import { Public } from './decorators/public.decorator';
import { LoginDto } from './dto/login.dto';
import { LogoutDto } from './dto/logout.dto';
import { RefreshTokenDto } from './dto/refresh-token.dto';
import { RegisterDto } from './dto/register.dto';
import { TokenInfoDto } from './dto/token-info.dto';
import { BrowserTokenResponseDto, TokenPairDto } from './dto/token-pair.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';
import { MfaChallengeDto } from './mfa/dto/mfa-challenge.dto';
import { MfaLoginService } from './mfa/mfa-login.service';

/** Browser mode's two cookies (BrowserSessionService): set on login and refresh, cleared on logout. */
export const SET_COOKIES = {
  description:
    'Browser mode only: the refresh token (HttpOnly, SameSite=Strict, Path=/auth) and the CSRF token; ' +
    'a logout, or revoking the browser’s own session, clears both',
  schema: { type: 'string' },
};
export const TOKEN_RESPONSE = {
  description:
    'A token pair; in browser mode (?mode=cookie) the refresh token is in a cookie instead',
  headers: {
    'Cache-Control': { description: 'no-store', schema: { type: 'string' } },
    'Set-Cookie': SET_COOKIES,
  },
  schema: {
    oneOf: [
      { $ref: getSchemaPath(TokenPairDto) },
      { $ref: getSchemaPath(BrowserTokenResponseDto) },
    ],
  },
};
/** Login may also stop halfway: an account with a second factor gets a challenge (auth/mfa). */
const LOGIN_RESPONSE = {
  ...TOKEN_RESPONSE,
  description: `${TOKEN_RESPONSE.description}; or, for an account with MFA, a challenge and no tokens`,
  schema: {
    oneOf: [...TOKEN_RESPONSE.schema.oneOf, { $ref: getSchemaPath(MfaChallengeDto) }],
  },
};
const CSRF_HEADER_DOC = {
  name: 'X-CSRF-Token',
  required: false,
  description: 'Browser mode only: the csrfToken of the last login or refresh',
};
const CSRF_FAILURE = {
  description:
    'Browser mode: cross-site Origin, or a missing or wrong CSRF token (csrf_failed); nothing changed',
  type: ErrorResponseDto,
  example: errorExample(403, 'Forbidden', 'Missing or wrong CSRF token', 'csrf_failed'),
};

@ApiTags('auth')
@ApiExtraModels(TokenPairDto, BrowserTokenResponseDto, MfaChallengeDto)
@ApiDatabaseErrors()
@ApiRateLimited()
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly browser: BrowserSessionService,
    private readonly mfaLogin: MfaLoginService,
  ) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create an account (role: user)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiValidationErrors()
  @ApiConflictResponse({
    description: 'Email already registered',
    type: ErrorResponseDto,
    example: errorExample(409, 'Conflict', 'Email already registered'),
  })
  register(@Body() dto: RegisterDto, @Client() client: ClientInfo): Promise<UserDto> {
    return this.auth.register(dto, client);
  }

  @Public()
  @UseGuards(LocalAuthGuard)
  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Log in with email and password',
    description:
      'Opens a session and returns an access token (JWT) and a refresh token (opaque). For an ' +
      'account with MFA the answer is `{ mfaRequired: true, mfaToken, methods }` and no tokens: ' +
      'send the mfaToken with a code to POST /auth/mfa/verify.',
  })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse(LOGIN_RESPONSE)
  @ApiValidationErrors()
  @ApiUnauthorizedResponse({
    description: 'invalid_credentials, the same for unknown emails',
    type: ErrorResponseDto,
    example: errorExample(401, 'Unauthorized', 'Invalid email or password', 'invalid_credentials'),
  })
  @ApiForbiddenResponse({
    description:
      'email_unverified: the password is right, but REQUIRE_VERIFIED_EMAIL is on and the address ' +
      'is not verified yet (a fresh verification mail is sent); no tokens. account_disabled: the ' +
      'password is right, but an admin disabled the account',
    type: ErrorResponseDto,
    example: errorExample(
      403,
      'Forbidden',
      'Verify your email address before logging in',
      'email_unverified',
    ),
  })
  async login(
    @CurrentUser() user: User,
    @Client() client: ClientInfo,
    @Query() query: AuthModeQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairDto | BrowserTokenResponse | MfaChallengeDto> {
    const challenge = await this.mfaLogin.challengeIfEnrolled(user);
    if (challenge) return challenge;
    const pair = await this.auth.login(user, client);
    return query.mode === 'cookie' ? this.browser.respond(reply, pair) : pair;
  }

  @Public()
  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Exchange a refresh token for a new pair (rotation)',
    description:
      'The presented token stops working. Presenting it again after the grace window revokes the session ' +
      '(refresh_token_reused); within the window, racing requests all get the same successor.',
  })
  @ApiBody({ type: RefreshTokenDto, required: false })
  @ApiOkResponse(TOKEN_RESPONSE)
  @ApiHeader(CSRF_HEADER_DOC)
  @ApiForbiddenResponse(CSRF_FAILURE)
  @ApiValidationErrors()
  @ApiUnauthorizedResponse({
    description:
      'token_invalid, session_expired, session_revoked or refresh_token_reused: log in again',
    type: ErrorResponseDto,
    example: errorExample(
      401,
      'Unauthorized',
      'Refresh token reuse detected; the session has been revoked',
      'refresh_token_reused',
    ),
  })
  async refresh(
    @Body() dto: RefreshTokenDto,
    @Client() client: ClientInfo,
    @Query() query: AuthModeQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairDto | BrowserTokenResponse> {
    // A body token is an explicit credential; the cookie is ambient, so it must pass the CSRF checks.
    const fromCookie =
      dto.refreshToken === undefined ? this.browser.takeRefreshToken(request) : undefined;
    const token = dto.refreshToken ?? fromCookie;
    if (token === undefined) {
      throw new BadRequestException([
        'refreshToken must be sent in the body (or, in browser mode, as the cookie)',
      ]);
    }
    const pair = await this.auth.refresh(token, client);
    return fromCookie !== undefined || query.mode === 'cookie'
      ? this.browser.respond(reply, pair)
      : pair;
  }

  @OptionalAuth()
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOptionalBearerRoute()
  @ApiBody({ type: LogoutDto, required: false })
  @ApiOperation({
    summary: 'End this session',
    description:
      'With a bearer token, or with `refreshToken` in the body when the access token has expired.',
  })
  @ApiNoContentResponse({
    description: 'The session is revoked: its refresh and access tokens fail from now on',
    headers: { 'Set-Cookie': SET_COOKIES },
  })
  @ApiHeader(CSRF_HEADER_DOC)
  @ApiForbiddenResponse(CSRF_FAILURE)
  @ApiValidationErrors()
  async logout(
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Body() dto: LogoutDto,
    @Client() client: ClientInfo,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    const refreshToken =
      user || dto.refreshToken ? dto.refreshToken : this.browser.takeRefreshToken(request);
    await this.auth.logout(user, refreshToken, client);
    if (this.browser.hasCookies(request)) this.browser.clear(reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerRoute()
  @ApiOperation({ summary: 'End every session of the caller' })
  @ApiNoContentResponse()
  logoutAll(@CurrentUser() user: AuthenticatedUser, @Client() client: ClientInfo): Promise<void> {
    return this.auth.logoutAll(user, client);
  }

  @Get('me')
  @ApiBearerRoute()
  @ApiOperation({ summary: 'The caller' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUser() user: AuthenticatedUser): Promise<UserDto> {
    return this.auth.me(user);
  }

  @Get('token-info')
  @ApiBearerRoute()
  @ApiOperation({
    summary: "What the caller's access token says",
    description: 'Answered from the verified token alone, without a database read.',
  })
  @ApiOkResponse({ type: TokenInfoDto })
  tokenInfo(@CurrentUser() user: AuthenticatedUser): TokenInfoDto {
    return {
      userId: user.id,
      sessionId: user.sessionId,
      roles: user.roles,
      expiresAt: new Date(user.expiresAt * 1000).toISOString(),
      amr: user.amr,
    };
  }

  @Get('sessions')
  @ApiBearerRoute()
  @ApiOperation({ summary: "The caller's live sessions" })
  @ApiOkResponse({ type: SessionDto, isArray: true })
  sessions(@CurrentUser() user: AuthenticatedUser): Promise<SessionDto[]> {
    return this.auth.listSessions(user);
  }

  @Delete('sessions/:id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerRoute()
  @ApiOperation({ summary: 'Revoke one of the caller’s sessions' })
  @ApiParam({ name: 'id', format: 'uuid', description: 'A session id from GET /auth/sessions' })
  @ApiNoContentResponse({ headers: { 'Set-Cookie': SET_COOKIES } })
  @ApiNotFoundResponse({
    description: 'No such session of the caller',
    type: ErrorResponseDto,
    example: errorExample(404, 'Not Found', 'Session not found'),
  })
  @ApiErrorResponse(400, 'The id is not a UUID', {
    error: 'Bad Request',
    message: 'Validation failed (uuid is expected)',
  })
  async revokeSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', UuidParam()) id: string,
    @Client() client: ClientInfo,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.auth.revokeSession(user, id, client);
    // Revoking the browser's own session is a logout: its cookies go too.
    if (id === user.sessionId && this.browser.hasCookies(request)) this.browser.clear(reply);
  }
}
