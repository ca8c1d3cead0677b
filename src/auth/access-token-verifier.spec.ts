import crypto, { createHmac, randomBytes, randomUUID } from 'node:crypto';
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
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Every spelling of a base64url part that decodes to the same bytes: its last character's
 * unused low bits (2 when the length is 3 mod 4, 4 when it is 2 mod 4) set every possible way.
 * The part itself comes first.
 */
function spellings(part: string): string[] {
  const unusedBits = { 0: 0, 2: 4, 3: 2 }[(part.length % 4) as 0 | 2 | 3];
  const last = ALPHABET.indexOf(part.at(-1)!);
  return Array.from(
    { length: 2 ** unusedBits },
    (_, bits) => `${part.slice(0, -1)}${ALPHABET[last ^ bits]}`,
  );
}

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

  it('should accept only the canonical spelling of the signature, not the 3 others that decode alike', () => {
    const token = sign(claims());
    const signature = token.split('.')[2];
    const [canonical, ...others] = spellings(signature);
    expect(others).toHaveLength(3);
    for (const other of others)
      expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(signature, 'base64url'));

    expect(verifyAccessToken(`${token.slice(0, -43)}${canonical}`, policy, NOW).ok).toBe(true);
    for (const other of others) {
      expect(verifyAccessToken(`${token.slice(0, -43)}${other}`, policy, NOW)).toEqual({
        ok: false,
        code: 'token_invalid',
      });
    }
  });

  it.each([
    ['header', 0],
    ['payload', 1],
  ] as const)(
    'should refuse a %s spelled differently from the signed text, though it decodes alike',
    (_label, index) => {
      // Pad the part until its last character has unused bits, so other spellings exist.
      const token = [0, 1, 2]
        .map((n) =>
          index === 0
            ? sign(claims(), { alg: 'HS256', typ: 'JWT', kid: KEY.kid, x: 'x'.repeat(n) })
            : sign(claims({ x: 'x'.repeat(n) })),
        )
        .find((candidate) => candidate.split('.')[index].length % 4 !== 0)!;
      const parts = token.split('.');
      const [, ...others] = spellings(parts[index]);
      expect(others.length).toBeGreaterThanOrEqual(3);

      expect(verifyAccessToken(token, policy, NOW).ok).toBe(true);
      for (const other of others) {
        expect(Buffer.from(other, 'base64url')).toEqual(Buffer.from(parts[index], 'base64url'));
        const respelled = parts.map((part, i) => (i === index ? other : part)).join('.');
        expect(verifyAccessToken(respelled, policy, NOW)).toEqual({
          ok: false,
          code: 'token_invalid',
        });
      }
    },
  );
});

describe('AccessTokenVerifier', () => {
  afterEach(() => jest.restoreAllMocks());

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

  describe('remembering refusals', () => {
    it('should compute the HMAC of a refused token once and answer repeats from memory', () => {
      const verifier = new AccessTokenVerifier(policy);
      const forged = forge(sign(claims()));
      const hmacs = jest.spyOn(crypto, 'createHmac');
      expect(verifier.verify(forged, NOW)).toEqual({ ok: false, code: 'token_invalid' });
      expect(verifier.verify(forged, NOW)).toEqual({ ok: false, code: 'token_invalid' });
      expect(verifier.verify(forged, NOW)).toEqual({ ok: false, code: 'token_invalid' });
      expect(hmacs).toHaveBeenCalledTimes(1);
    });

    it('should not remember a refusal longer than a token of ours could be', () => {
      const verifier = new AccessTokenVerifier(policy);
      const forged = forge(sign(claims({ pad: 'x'.repeat(2048) })));
      verifier.verify(forged, NOW);
      expect(verifier.heldBytes).toBe(0);
    });

    it('should not remember a refusal of something that is not a compact JWS', () => {
      const verifier = new AccessTokenVerifier(policy);
      verifier.verify(randomBytes(300).toString('base64'), NOW);
      verifier.verify(`${sign(claims())}.extra`, NOW);
      expect(verifier.heldBytes).toBe(0);
    });

    it('should hold a bounded number of bytes after a flood of 12,000 unique 8 kB bearer values', () => {
      const verifier = new AccessTokenVerifier(policy);
      const part = (bytes: number) => randomBytes(bytes).toString('base64url');
      // Shaped like a JWS but long; short enough to be a token; no JWS at all.
      const junk = [
        () => `${part(2040)}.${part(2040)}.${part(2040)}`,
        () => `${part(500)}.${part(500)}.${part(500)}`,
        () => randomBytes(8192).toString('latin1'),
      ];
      for (let i = 0; i < 12_000; i++) expect(verifier.verify(junk[i % 3](), NOW).ok).toBe(false);
      expect(verifier.heldBytes).toBeLessThanOrEqual(1024 * 1024);
    });

    it('should drop the oldest refusals to stay within its byte budget', () => {
      const forged = [1, 2, 3].map(() => forge(sign(claims())));
      const verifier = new AccessTokenVerifier(policy, { maxRefusedBytes: 2 * forged[0].length });
      for (const token of forged) verifier.verify(token, NOW);
      expect(verifier.heldBytes).toBe(2 * forged[0].length);
      const hmacs = jest.spyOn(crypto, 'createHmac');
      verifier.verify(forged[2], NOW);
      expect(hmacs).not.toHaveBeenCalled();
      verifier.verify(forged[0], NOW);
      expect(hmacs).toHaveBeenCalledTimes(1);
    });
  });

  it('should stay within its bound, dropping the oldest entry', () => {
    const verifier = new AccessTokenVerifier(policy, { maxEntries: 2 });
    const [a, b, c] = [sign(claims()), sign(claims()), sign(claims())];
    for (const token of [a, b, c]) verifier.verify(token, NOW);
    const hmacs = jest.spyOn(crypto, 'createHmac');
    for (const token of [b, c]) expect(verifier.verify(token, NOW).ok).toBe(true);
    expect(hmacs).not.toHaveBeenCalled();
    expect(verifier.verify(a, NOW).ok).toBe(true);
    expect(hmacs).toHaveBeenCalledTimes(1);
  });

  it('should drop the oldest verified tokens to stay within its byte budget', () => {
    const tokens = [1, 2, 3].map(() => sign(claims()));
    const verifier = new AccessTokenVerifier(policy, { maxVerifiedBytes: 2 * tokens[0].length });
    for (const token of tokens) verifier.verify(token, NOW);
    expect(verifier.heldBytes).toBe(2 * tokens[0].length);
    const hmacs = jest.spyOn(crypto, 'createHmac');
    verifier.verify(tokens[2], NOW);
    expect(hmacs).not.toHaveBeenCalled();
    verifier.verify(tokens[0], NOW);
    expect(hmacs).toHaveBeenCalledTimes(1);
  });

  it('should count the text of the tokens it holds', () => {
    const verifier = new AccessTokenVerifier(policy);
    const [good, bad] = [sign(claims()), forge(sign(claims()))];
    verifier.verify(good, NOW);
    verifier.verify(bad, NOW);
    expect(verifier.heldBytes).toBe(good.length + bad.length);
  });
});

/** A signature that is certainly wrong: the real one with one bit of its first byte flipped. */
function forge(token: string): string {
  const lastDot = token.lastIndexOf('.');
  const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
  signature[0] ^= 1;
  return `${token.slice(0, lastDot + 1)}${signature.toString('base64url')}`;
}
