import {
  Body,
  Controller,
  Delete,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ApiDatabaseErrors,
  ApiErrorResponse,
  ApiRateLimited,
  ApiValidationErrors,
} from '../common/http/error-response.dto';
import { UserDto } from '../users/dto/user.dto';
import { AccountService } from './account.service';
import { ApiBearerRoute } from './auth-api-docs';
import { TOKEN_RESPONSE } from './auth.controller';
import { BrowserSessionService, BrowserTokenResponse } from './browser-session.service';
import { AuthenticatedUser } from './authenticated-user';
import { Client, ClientInfo } from './decorators/client-info.decorator';
import { CurrentUser } from './decorators/current-user.decorator';
import { Public } from './decorators/public.decorator';
import {
  ChangePasswordDto,
  DeleteAccountDto,
  EmailTokenDto,
  ForgotPasswordDto,
  MailAcceptedDto,
  ResetPasswordDto,
} from './dto/account.dto';
import { AuthModeQueryDto } from './dto/auth-mode-query.dto';
import { BrowserTokenResponseDto, TokenPairDto } from './dto/token-pair.dto';
import { EmailVerificationService } from './email-verification.service';
import { PasswordResetService } from './password-reset.service';

const LINK_REFUSED = () =>
  ApiErrorResponse(
    400,
    'Invalid body, or a link that cannot be used: link_invalid (used, replaced by a newer one, ' +
      'or unknown) or link_expired',
    {
      error: 'Bad Request',
      message: 'This link has expired; ask for a new one',
      code: 'link_expired',
    },
  );
const MAIL_UNAVAILABLE = () =>
  ApiErrorResponse(
    503,
    'mail_unavailable: the service has no SMTP server (production without SMTP_URL); or the ' +
      'database is unreachable',
    {
      error: 'Service Unavailable',
      message: 'This service cannot send mail',
      code: 'mail_unavailable',
    },
  );
const WRONG_PASSWORD = () =>
  ApiErrorResponse(
    401,
    'invalid_credentials: the password is wrong (counts as a failed login); or the access token ' +
      'is missing, expired or revoked (WWW-Authenticate: Bearer)',
    { error: 'Unauthorized', message: 'Invalid email or password', code: 'invalid_credentials' },
  );

/** Address verification, forgotten passwords, password change, account deletion. */
@ApiTags('account')
@ApiExtraModels(TokenPairDto, BrowserTokenResponseDto)
@ApiDatabaseErrors()
@ApiRateLimited()
@Controller('auth')
export class AccountController {
  constructor(
    private readonly verification: EmailVerificationService,
    private readonly reset: PasswordResetService,
    private readonly account: AccountService,
    private readonly browser: BrowserSessionService,
  ) {}

  @Public()
  @Post('email/verify')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Verify the email address with the token from the mail',
    description: 'The token is the `token` of the `#verify?token=…` link. It works once.',
  })
  @ApiOkResponse({ type: UserDto, description: 'The user, with emailVerified: true' })
  @LINK_REFUSED()
  verifyEmail(@Body() dto: EmailTokenDto, @Client() client: ClientInfo): Promise<UserDto> {
    return this.verification.verify(dto.token, client);
  }

  @Post('email/verify/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiBearerRoute()
  @ApiOperation({
    summary: 'Send the verification mail again',
    description:
      'At most 3 an hour per user, then 429. The new link voids the older ones. Nothing is sent ' +
      'for an address that is already verified.',
  })
  @ApiAcceptedResponse({ type: MailAcceptedDto })
  @MAIL_UNAVAILABLE()
  async resendVerification(@CurrentUser() user: AuthenticatedUser): Promise<MailAcceptedDto> {
    await this.verification.resend(user);
    return { message: 'If the address is not verified yet, a mail is on its way' };
  }

  @Public()
  @Post('password/forgot')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Ask for a password-reset mail',
    description:
      'The same answer, in about the same time, whether or not an account has this address; the ' +
      'mail (with a `#reset?token=…` link valid for PASSWORD_RESET_TTL) goes out only if one does. ' +
      'At most 3 mails an hour per address: further requests still answer 202 and send nothing.',
  })
  @ApiAcceptedResponse({ type: MailAcceptedDto })
  @ApiValidationErrors()
  @MAIL_UNAVAILABLE()
  async forgotPassword(
    @Body() dto: ForgotPasswordDto,
    @Client() client: ClientInfo,
  ): Promise<MailAcceptedDto> {
    await this.reset.forgot(dto.email, client);
    return { message: 'If an account exists for this address, a mail is on its way' };
  }

  @Public()
  @Post('password/reset')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Set a new password with the token from the reset mail',
    description:
      'Every session of the user is revoked (its access tokens fail at once, on every instance), ' +
      'any login lock is lifted, and the address counts as verified.',
  })
  @ApiNoContentResponse({ description: 'The password is set; log in with it' })
  @LINK_REFUSED()
  resetPassword(@Body() dto: ResetPasswordDto, @Client() client: ClientInfo): Promise<void> {
    return this.reset.reset(dto.token, dto.password, client);
  }

  @Post('password/change')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', 'no-store')
  @ApiBearerRoute()
  @ApiOperation({
    summary: 'Change the password',
    description:
      'Answers a new token pair for the calling session (whose old refresh token stops working); ' +
      'every other session is revoked. `?mode=cookie` answers as a browser-mode login does.',
  })
  @ApiOkResponse(TOKEN_RESPONSE)
  @ApiValidationErrors()
  @WRONG_PASSWORD()
  async changePassword(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: ChangePasswordDto,
    @Client() client: ClientInfo,
    @Query() query: AuthModeQueryDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenPairDto | BrowserTokenResponse> {
    const pair = await this.account.changePassword(
      user,
      dto.currentPassword,
      dto.newPassword,
      client,
    );
    return query.mode === 'cookie' ? this.browser.respond(reply, pair) : pair;
  }

  @Delete('me')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiBearerRoute()
  @ApiOperation({
    summary: 'Delete the account',
    description:
      'Needs the password. Every session is revoked at once, on every instance; audit events keep ' +
      'the user id.',
  })
  @ApiNoContentResponse({
    description: 'Deleted; a browser-mode caller’s cookies are cleared',
    headers: {
      'Set-Cookie': {
        description: 'Browser mode only: clears both cookies',
        schema: { type: 'string' },
      },
    },
  })
  @ApiValidationErrors()
  @WRONG_PASSWORD()
  async deleteAccount(
    @CurrentUser() user: AuthenticatedUser,
    @Body() dto: DeleteAccountDto,
    @Client() client: ClientInfo,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.account.deleteAccount(user, dto.password, client);
    if (this.browser.hasCookies(request)) this.browser.clear(reply);
  }
}
