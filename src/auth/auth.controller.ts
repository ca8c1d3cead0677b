import {
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  ApiBearerRoute,
  ApiDatabaseErrors,
  ApiErrorResponse,
  ApiRateLimited,
  ApiValidationErrors,
  ErrorResponseDto,
} from '../common/http/error-response.dto';
import { UuidParam } from '../common/validation/uuid-param';
import { SessionDto } from '../users/dto/session.dto';
import { UserDto } from '../users/dto/user.dto';
import { User } from '../users/user.entity';
import { AuthService } from './auth.service';
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
import { TokenPairDto } from './dto/token-pair.dto';
import { LocalAuthGuard } from './guards/local-auth.guard';

@ApiTags('auth')
@ApiDatabaseErrors()
@ApiRateLimited()
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('register')
  @ApiOperation({ summary: 'Create an account (role: user)' })
  @ApiCreatedResponse({ type: UserDto })
  @ApiValidationErrors()
  @ApiConflictResponse({ description: 'Email already registered', type: ErrorResponseDto })
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
    description: 'Opens a session and returns an access token (JWT) and a refresh token (opaque).',
  })
  @ApiBody({ type: LoginDto })
  @ApiOkResponse({ type: TokenPairDto, headers: { 'Cache-Control': { description: 'no-store' } } })
  @ApiValidationErrors()
  @ApiUnauthorizedResponse({
    description: 'invalid_credentials, the same for unknown emails',
    type: ErrorResponseDto,
  })
  login(@CurrentUser() user: User, @Client() client: ClientInfo): Promise<TokenPairDto> {
    return this.auth.login(user, client);
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
  @ApiOkResponse({ type: TokenPairDto })
  @ApiValidationErrors()
  @ApiUnauthorizedResponse({
    description:
      'token_invalid, session_expired, session_revoked or refresh_token_reused: log in again',
    type: ErrorResponseDto,
  })
  refresh(@Body() dto: RefreshTokenDto, @Client() client: ClientInfo): Promise<TokenPairDto> {
    return this.auth.refresh(dto.refreshToken, client);
  }

  @OptionalAuth()
  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerRoute()
  @ApiOperation({
    summary: 'End this session',
    description:
      'With a bearer token, or with `refreshToken` in the body when the access token has expired.',
  })
  @ApiNoContentResponse({
    description: 'The session is revoked: its refresh and access tokens fail from now on',
  })
  @ApiValidationErrors()
  logout(
    @CurrentUser() user: AuthenticatedUser | undefined,
    @Body() dto: LogoutDto,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.logout(user, dto.refreshToken, client);
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
  @ApiNoContentResponse()
  @ApiNotFoundResponse({ description: 'No such session of the caller', type: ErrorResponseDto })
  @ApiErrorResponse(400, 'The id is not a UUID')
  revokeSession(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id', UuidParam()) id: string,
    @Client() client: ClientInfo,
  ): Promise<void> {
    return this.auth.revokeSession(user, id, client);
  }
}
