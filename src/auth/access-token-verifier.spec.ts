import { createHmac, randomUUID } from 'node:crypto';
import { toSigningKey } from '../config/signing-keys';
import {
  AccessTokenVerifier,
  verifyAccessToken,
  VerificationPolicy,
} from './access-token-verifier';

const KEY = toSigningKey('access-token-verifier-spec-key-0123456789');
const policy: VerificationPolicy = {
  keys: new Map([[KEY.kid, KEY]]),
  issuer: 'iss',
  audience: 'aud',
  clockToleranceSeconds: 30,
};
const NOW = 1_800_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT', kid: KEY.kid },
) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', KEY.key).update(input).digest('base64url')}`;
}
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: randomUUID(),
  sid: randomUUID(),
  roles: ['user'],
  iat: NOW - 10,
  exp: NOW + 890,
  iss: 'iss',
  aud: 'aud',
  jti: randomUUID(),
  ...extra,
});

describe('verifyAccessToken', () => {
  it('should accept a well-signed token and return its claims', () => {
    const c = claims();
    expect(verifyAccessToken(sign(c), policy, NOW)).toEqual({ ok: true, claims: c });
  });

  it('should call a token expired only past exp plus the clock tolerance', () => {
    const token = sign(claims({ exp: NOW - 29 }));
    expect(verifyAccessToken(token, policy, NOW).ok).toBe(true);
    expect(verifyAccessToken(token, policy, NOW + 2)).toEqual({ ok: false, code: 'token_expired' });
  });

  it.each([
    ['a missing exp', { exp: undefined }],
    ['a string exp', { exp: String(NOW + 100) }],
    ['another issuer', { iss: 'other' }],
    ['another audience', { aud: 'other' }],
    ['an nbf in the future beyond the tolerance', { nbf: NOW + 31 }],
    ['a non-numeric nbf', { nbf: 'soon' }],
  ])('should refuse %s', (_label, extra) => {
    expect(verifyAccessToken(sign(claims(extra)), policy, NOW)).toEqual({
      ok: false,
      code: 'token_invalid',
    });
  });

  it('should accept an audience list that names ours', () => {
    expect(verifyAccessToken(sign(claims({ aud: ['x', 'aud'] })), policy, NOW).ok).toBe(true);
  });

  it('should refuse a signature with trailing characters (only the canonical 43-character form)', () => {
    expect(verifyAccessToken(`${sign(claims())}A`, policy, NOW).ok).toBe(false);
  });
});

describe('AccessTokenVerifier', () => {
  it('should verify a token once and answer repeats from memory, expiry still checked', () => {
    const verifier = new AccessTokenVerifier(policy);
    const token = sign(claims({ exp: NOW + 60 }));
    expect(verifier.verify(token, NOW).ok).toBe(true);
    expect(verifier.verify(token, NOW + 60).ok).toBe(true);
    expect(verifier.verify(token, NOW + 91)).toEqual({ ok: false, code: 'token_expired' });
  });

  it('should verify an altered token in full: the memory is keyed by the exact string', () => {
    const verifier = new AccessTokenVerifier(policy);
    const token = sign(claims());
    expect(verifier.verify(token, NOW).ok).toBe(true);
    const [h, , s] = token.split('.');
    expect(verifier.verify(`${h}.${b64(claims({ roles: ['admin'] }))}.${s}`, NOW)).toEqual({
      ok: false,
      code: 'token_invalid',
    });
  });

  it('should remember a refusal', () => {
    const verifier = new AccessTokenVerifier(policy);
    const forged = `${sign(claims()).slice(0, -2)}AA`;
    expect(verifier.verify(forged, NOW).ok).toBe(false);
    expect(verifier.verify(forged, NOW).ok).toBe(false);
  });

  it('should stay within its bound, dropping the oldest entry', () => {
    const verifier = new AccessTokenVerifier(policy, 2);
    const [a, b, c] = [sign(claims()), sign(claims()), sign(claims())];
    for (const token of [a, b, c]) verifier.verify(token, NOW);
    const verified = (verifier as unknown as { verified: Map<string, unknown> }).verified;
    expect([...verified.keys()]).toEqual([b, c]);
  });
});
