import { randomBytes } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { AuthConfig, loadAuthConfig } from '../config/auth.config';
import { Role } from '../users/role.enum';
import { AccessTokenSigner } from './keys/access-token-signer';
import { TokenService } from './token.service';

const USER_ID = '6f1c2a4e-2b7d-4c1a-9a57-0f3b8d2e1c90';
const SESSION_ID = 'b3e0d5a2-8c4f-4e6b-a1d9-7c2f5e8b0a13';

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8'));
}

describe('TokenService', () => {
  let config: AuthConfig;
  let jwt: JwtService;
  let service: TokenService;

  beforeAll(() => {
    config = loadAuthConfig({
      JWT_SECRET: 'token-service-spec-secret-0123456789abcdef',
      DATA_DIR: '/nonexistent-token-service-spec',
    });
    // jsonwebtoken, which signed HS256 tokens before, now checks that ours are still standard.
    jwt = new JwtService({ secret: config.signingKey.key });
    service = new TokenService(new AccessTokenSigner(config), config);
  });

  const subject = { userId: USER_ID, sessionId: SESSION_ID, roles: [Role.User] };
  const farSessionEnd = () => new Date(Date.now() + 30 * 86_400_000);

  describe('signAccessToken', () => {
    it('should put alg HS256, typ JWT and the signing kid in the header, and nothing else', () => {
      const { accessToken } = service.signAccessToken(subject, farSessionEnd());
      expect(decodePart(accessToken, 0)).toEqual({
        alg: 'HS256',
        typ: 'JWT',
        kid: config.signingKey.kid,
      });
    });

    it('should carry the amr it is given (a login with a second factor)', () => {
      const { accessToken } = service.signAccessToken(
        { ...subject, amr: ['pwd', 'otp'] },
        farSessionEnd(),
      );
      expect(decodePart(accessToken, 1).amr).toEqual(['pwd', 'otp']);
    });

    it('should carry exactly the claims sub sid roles amr iat exp iss aud jti', () => {
      const { accessToken } = service.signAccessToken(subject, farSessionEnd());
      const claims = decodePart(accessToken, 1);
      expect(Object.keys(claims).sort()).toEqual([
        'amr',
        'aud',
        'exp',
        'iat',
        'iss',
        'jti',
        'roles',
        'sid',
        'sub',
      ]);
      expect(claims).toMatchObject({
        sub: USER_ID,
        sid: SESSION_ID,
        roles: ['user'],
        amr: ['pwd'],
        iss: config.issuer,
        aud: config.audience,
      });
    });

    it('should give every token a distinct UUID jti', () => {
      const first = decodePart(service.signAccessToken(subject, farSessionEnd()).accessToken, 1);
      const second = decodePart(service.signAccessToken(subject, farSessionEnd()).accessToken, 1);
      expect(first.jti).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(first.jti).not.toBe(second.jti);
    });

    it('should make exp - iat equal the access TTL', () => {
      const { accessToken, expiresIn } = service.signAccessToken(subject, farSessionEnd());
      const claims = decodePart(accessToken, 1) as { iat: number; exp: number };
      expect(expiresIn).toBe(config.accessTtlSeconds);
      expect(claims.exp - claims.iat).toBe(config.accessTtlSeconds);
    });

    it('should never outlive the end of the session', () => {
      const now = Date.now();
      const { accessToken, expiresIn } = service.signAccessToken(
        subject,
        new Date(now + 60_000),
        now,
      );
      const claims = decodePart(accessToken, 1) as { iat: number; exp: number };
      expect(expiresIn).toBeLessThanOrEqual(60);
      expect(expiresIn).toBeGreaterThan(0);
      expect(claims.exp - claims.iat).toBe(expiresIn);
    });

    it('should produce a token the configured key verifies with issuer and audience', () => {
      const { accessToken } = service.signAccessToken(subject, farSessionEnd());
      expect(
        jwt.verify(accessToken, {
          algorithms: ['HS256'],
          issuer: config.issuer,
          audience: config.audience,
        }),
      ).toMatchObject({ sub: USER_ID, sid: SESSION_ID });
    });
  });

  describe('signAccessToken after the session ended', () => {
    it('should refuse with session_expired instead of minting a token that outlives it', () => {
      expect(() => service.signAccessToken(subject, new Date(Date.now() - 1_000))).toThrow(
        expect.objectContaining({ code: 'session_expired' }),
      );
    });
  });

  describe('newRefreshToken', () => {
    it('should give 43 base64url characters (256 bits)', () => {
      const token = service.newRefreshToken();
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    });

    it('should differ on every call', () => {
      const tokens = new Set(Array.from({ length: 50 }, () => service.newRefreshToken()));
      expect(tokens.size).toBe(50);
    });

    it('should be well-formed', () => {
      expect(service.isWellFormedRefreshToken(service.newRefreshToken())).toBe(true);
    });
  });

  describe('isWellFormedRefreshToken', () => {
    const valid = 'A'.repeat(21) + '-_' + 'z9'.repeat(10);

    it('should accept 43 base64url characters', () => {
      expect(valid).toHaveLength(43);
      expect(service.isWellFormedRefreshToken(valid)).toBe(true);
    });

    it.each([undefined, null, 42, {}, [valid], Buffer.from(valid)])(
      'should reject the non-string %p',
      (value) => {
        expect(service.isWellFormedRefreshToken(value)).toBe(false);
      },
    );

    it.each([
      ['empty', ''],
      ['42 characters', valid.slice(1)],
      ['44 characters', `${valid}A`],
      ['a "." in it', `${valid.slice(0, 20)}.${valid.slice(21)}`],
      ['a JWT', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefg'],
      ['base64 padding', `${valid.slice(0, 42)}=`],
      ['a "+" or "/"', `${valid.slice(0, 41)}+/`],
      ['a trailing newline', `${valid.slice(0, 42)}\n`],
    ])('should reject %s', (_label, value) => {
      expect(service.isWellFormedRefreshToken(value)).toBe(false);
    });
  });

  describe('hashRefreshToken', () => {
    it('should give a 32-byte SHA-256', () => {
      expect(service.hashRefreshToken('token')).toEqual(
        Buffer.from('3c469e9d6c5875d37a43f353d4f88e61fcf812c66eee3457465a40b0da4153e0', 'hex'),
      );
    });

    it('should be deterministic', () => {
      const token = service.newRefreshToken();
      expect(service.hashRefreshToken(token).equals(service.hashRefreshToken(token))).toBe(true);
    });

    it('should differ for another token', () => {
      expect(service.hashRefreshToken('a').equals(service.hashRefreshToken('b'))).toBe(false);
    });
  });

  describe('deriveSuccessor', () => {
    const token = 'q'.repeat(43);
    const nonce = Buffer.alloc(16, 7);

    it('should be deterministic for a token and a nonce', () => {
      expect(service.deriveSuccessor(token, nonce)).toBe(
        service.deriveSuccessor(token, Buffer.from(nonce)),
      );
    });

    it('should differ for another nonce', () => {
      expect(service.deriveSuccessor(token, randomBytes(16))).not.toBe(
        service.deriveSuccessor(token, nonce),
      );
    });

    it('should differ for another token', () => {
      expect(service.deriveSuccessor('r'.repeat(43), nonce)).not.toBe(
        service.deriveSuccessor(token, nonce),
      );
    });

    it('should be a well-formed refresh token', () => {
      expect(service.isWellFormedRefreshToken(service.deriveSuccessor(token, nonce))).toBe(true);
    });

    it('should not be the token itself or its stored hash', () => {
      const successor = service.deriveSuccessor(token, nonce);
      expect(successor).not.toBe(token);
      expect(successor).not.toBe(service.hashRefreshToken(token).toString('base64url'));
    });
  });
});
