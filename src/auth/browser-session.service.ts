import { randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import '@fastify/cookie'; // types: request.cookies, reply.setCookie
import type { FastifyReply, FastifyRequest } from 'fastify';
import { appConfig } from '../config/app.config';
import { TokenPairDto } from './dto/token-pair.dto';

export const CSRF_HEADER = 'x-csrf-token';

/** What a cookie-mode response carries in its body: everything but the refresh token. */
export type BrowserTokenResponse = Omit<TokenPairDto, 'refreshToken'> & { csrfToken: string };

/**
 * The browser mode (../shared/API.md, "Browser mode"): the refresh token lives in an HttpOnly,
 * SameSite=Strict cookie scoped to /auth, out of reach of page scripts (XSS), and a request that
 * spends it must prove it is not cross-site (CSRF): an allowed Origin, and a double-submit token
 * — a readable cookie the page echoes in X-CSRF-Token, which another site can neither read nor
 * set.
 */
@Injectable()
export class BrowserSessionService {
  readonly refreshCookie: string;
  readonly csrfCookie: string;

  constructor(@Inject(appConfig.KEY) private readonly config: ConfigType<typeof appConfig>) {
    // __Secure- needs Secure; __Host- also needs Path=/, which suits the CSRF cookie only.
    this.refreshCookie = config.cookieSecure ? '__Secure-refresh_token' : 'refresh_token';
    this.csrfCookie = config.cookieSecure ? '__Host-csrf_token' : 'csrf_token';
  }

  /** Puts the refresh token in its cookie, with a fresh CSRF token, and returns the body. */
  respond(reply: FastifyReply, pair: TokenPairDto): BrowserTokenResponse {
    const csrfToken = randomBytes(32).toString('base64url');
    const common = {
      secure: this.config.cookieSecure,
      sameSite: 'strict' as const,
      maxAge: pair.refreshExpiresIn,
    };
    void reply.setCookie(this.refreshCookie, pair.refreshToken, {
      ...common,
      httpOnly: true,
      path: '/auth',
    });
    void reply.setCookie(this.csrfCookie, csrfToken, { ...common, httpOnly: false, path: '/' });
    const { refreshToken: _kept, ...body } = pair;
    return { ...body, csrfToken };
  }

  clear(reply: FastifyReply): void {
    const common = { secure: this.config.cookieSecure, sameSite: 'strict' as const };
    void reply.clearCookie(this.refreshCookie, { ...common, httpOnly: true, path: '/auth' });
    void reply.clearCookie(this.csrfCookie, { ...common, path: '/' });
  }

  /**
   * The refresh token from the cookie, once the request has shown it is same-site; undefined
   * when there is no cookie. A cross-site or token-less request is refused before anything
   * changes.
   */
  takeRefreshToken(request: FastifyRequest): string | undefined {
    const token = request.cookies?.[this.refreshCookie];
    if (!token) return undefined;
    this.assertSameSite(request);
    return token;
  }

  hasCookies(request: FastifyRequest): boolean {
    return Boolean(request.cookies?.[this.refreshCookie] || request.cookies?.[this.csrfCookie]);
  }

  private assertSameSite(request: FastifyRequest): void {
    if (!this.originAllowed(request)) throw csrfFailure('Cross-site request refused');
    const header = request.headers[CSRF_HEADER];
    const cookie = request.cookies?.[this.csrfCookie];
    if (typeof header !== 'string' || !cookie || !safeEqual(header, cookie)) {
      throw csrfFailure('Missing or wrong CSRF token');
    }
  }

  /** Origin (or, failing that, Referer) must be this service itself or one of CORS_ORIGINS. */
  private originAllowed(request: FastifyRequest): boolean {
    const claimed = request.headers.origin ?? originOf(request.headers.referer);
    if (!claimed || claimed === 'null') return false;
    const own = `${request.protocol}://${request.headers.host ?? ''}`;
    return claimed === own || this.config.corsOrigins.includes(claimed);
  }
}

function csrfFailure(message: string): ForbiddenException {
  return new ForbiddenException({
    statusCode: HttpStatus.FORBIDDEN,
    error: 'Forbidden',
    message,
    code: 'csrf_failed',
  });
}

function originOf(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
