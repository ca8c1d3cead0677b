import { AuthConfig } from '../../config/auth.config';
import { SigningKey, toSigningKey } from '../../config/signing-keys';
import { SessionsService } from '../../users/sessions.service';
import { SessionRevocationsService } from '../../users/session-revocations.service';
import { Role } from '../../users/role.enum';
import { AuthError } from '../auth-errors';
import { AccessTokenClaims } from '../authenticated-user';
import { selectVerificationKey } from '../access-token-verifier';
import { JwtStrategy } from './jwt.strategy';

const CURRENT = toSigningKey('jwt-strategy-spec-current-key-0123456789');
const PREVIOUS = toSigningKey('jwt-strategy-spec-previous-key-012345678');
const KEYS: ReadonlyMap<string, SigningKey> = new Map([
  [CURRENT.kid, CURRENT],
  [PREVIOUS.kid, PREVIOUS],
]);

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
const PAYLOAD = encode({ sub: 'someone' });
const SIGNATURE = 'c2lnbmF0dXJl';
const token = (header: unknown) => `${encode(header)}.${PAYLOAD}.${SIGNATURE}`;
const rawToken = (encodedHeader: string) => `${encodedHeader}.${PAYLOAD}.${SIGNATURE}`;

describe('selectVerificationKey', () => {
  it('should return the current key for its kid with alg HS256', () => {
    expect(selectVerificationKey(token({ alg: 'HS256', typ: 'JWT', kid: CURRENT.kid }), KEYS)).toBe(
      CURRENT.key,
    );
  });

  it('should return a previous key for its kid', () => {
    expect(
      selectVerificationKey(token({ alg: 'HS256', typ: 'JWT', kid: PREVIOUS.kid }), KEYS),
    ).toBe(PREVIOUS.key);
  });

  it.each(['none', 'NONE', 'None', 'HS512', 'HS384', 'RS256', 'ES256', 'hs256', undefined])(
    'should refuse alg %p',
    (alg) => {
      expect(
        selectVerificationKey(token({ alg, typ: 'JWT', kid: CURRENT.kid }), KEYS),
      ).toBeUndefined();
    },
  );

  it('should refuse an unknown kid', () => {
    expect(
      selectVerificationKey(token({ alg: 'HS256', kid: 'unknown-kid' }), KEYS),
    ).toBeUndefined();
  });

  it('should refuse a missing kid', () => {
    expect(selectVerificationKey(token({ alg: 'HS256', typ: 'JWT' }), KEYS)).toBeUndefined();
  });

  it('should refuse a kid that is not a string', () => {
    const numericKeys = new Map([['1', CURRENT]]);
    expect(selectVerificationKey(token({ alg: 'HS256', kid: 1 }), numericKeys)).toBeUndefined();
  });

  it('should refuse a crit header', () => {
    expect(
      selectVerificationKey(token({ alg: 'HS256', kid: CURRENT.kid, crit: ['exp'] }), KEYS),
    ).toBeUndefined();
  });

  it('should ignore a jwk header and still pick only from its own keys', () => {
    const header = { alg: 'HS256', kid: 'attacker', jwk: { kty: 'oct', k: 'YXR0YWNrZXI' } };
    expect(selectVerificationKey(token(header), KEYS)).toBeUndefined();
  });

  it.each([
    ['2 parts', `${encode({ alg: 'HS256', kid: CURRENT.kid })}.${PAYLOAD}`],
    ['4 parts', `${token({ alg: 'HS256', kid: CURRENT.kid })}.extra`],
    ['1 part', encode({ alg: 'HS256', kid: CURRENT.kid })],
    ['an empty string', ''],
  ])('should refuse a token of %s', (_label, raw) => {
    expect(selectVerificationKey(raw, KEYS)).toBeUndefined();
  });

  it.each([
    ['not base64url JSON', '!!!not-base64!!!'],
    ['base64url of text that is not JSON', Buffer.from('{alg:HS256}').toString('base64url')],
    ['an empty header', ''],
    ['JSON null', encode(null)],
    ['a JSON array', encode(['HS256', CURRENT.kid])],
    ['a JSON string', encode('HS256')],
    ['a JSON number', encode(256)],
  ])('should refuse a header that is %s', (_label, encodedHeader) => {
    expect(selectVerificationKey(rawToken(encodedHeader), KEYS)).toBeUndefined();
  });
});

describe('JwtStrategy', () => {
  const config = {
    verificationKeys: KEYS,
    signingKey: CURRENT,
    issuer: 'issuer',
    audience: 'audience',
  } as AuthConfig;
  const revoked = new Set<string>();
  const revocations = { isRevoked: (sessionId: string) => revoked.has(sessionId) };
  const strategy = new JwtStrategy(
    config,
    revocations as unknown as SessionRevocationsService,
    {} as SessionsService,
  );

  const claims: AccessTokenClaims = {
    sub: '6f1c2a4e-2b7d-4c1a-9a57-0f3b8d2e1c90',
    sid: 'b3e0d5a2-8c4f-4e6b-a1d9-7c2f5e8b0a13',
    roles: [Role.User, Role.Admin],
    iat: 1_700_000_000,
    exp: 1_700_000_900,
    iss: 'issuer',
    aud: 'audience',
    jti: '0d8a7f0e-9c1b-4f3e-8a2d-5b6c7d8e9f01',
  };

  afterEach(() => revoked.clear());

  function validationError(value: unknown): AuthError {
    try {
      // Synchronous in the default mode: a refusal throws, it is never a rejected promise.
      void strategy.validate(value as AccessTokenClaims);
    } catch (error) {
      if (error instanceof AuthError) return error;
      throw error;
    }
    throw new Error('expected validate to throw an AuthError');
  }

  it('should return the caller built from the claims', () => {
    expect(strategy.validate(claims)).toEqual({
      id: claims.sub,
      sessionId: claims.sid,
      roles: [Role.User, Role.Admin],
      tokenId: claims.jti,
      expiresAt: claims.exp,
      amr: ['pwd'],
    });
  });

  it.each(['sub', 'sid', 'jti', 'exp'] as const)(
    'should refuse claims without %s as token_invalid',
    (name) => {
      const { [name]: _omitted, ...rest } = claims;
      expect(validationError(rest).code).toBe('token_invalid');
    },
  );

  it.each([
    ['a string', 'admin'],
    ['missing', undefined],
    ['an object', { 0: 'admin' }],
    ['an array holding a non-string', ['user', { admin: true }]],
  ])('should refuse roles that are %s as token_invalid', (_label, roles) => {
    expect(validationError({ ...claims, roles }).code).toBe('token_invalid');
  });

  it('should refuse a sub that is not a string as token_invalid', () => {
    expect(validationError({ ...claims, sub: 42 }).code).toBe('token_invalid');
  });

  it('should refuse a revoked session as session_revoked', () => {
    revoked.add(claims.sid);
    expect(validationError(claims).code).toBe('session_revoked');
  });

  it('should answer 401 for a revoked session', () => {
    revoked.add(claims.sid);
    expect(validationError(claims).getStatus()).toBe(401);
  });

  it('should accept a session other than the revoked one', () => {
    revoked.add('another-session');
    expect((strategy.validate(claims) as { sessionId: string }).sessionId).toBe(claims.sid);
  });
});
