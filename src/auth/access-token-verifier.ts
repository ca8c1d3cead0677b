import { createHmac, KeyObject, timingSafeEqual, verify as verifySignature } from 'node:crypto';
import { JwtAlgorithm } from '../config/asymmetric-keys';
import { SigningKey } from '../config/signing-keys';
import { AuthErrorCode } from './auth-errors';
import { AccessTokenClaims } from './authenticated-user';
import { ES256_HALF_ORDER, readSignatureS } from './keys/ecdsa-signature';

/** The default algorithm (JWT_ALGORITHM unset). */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

/** Three non-empty base64url parts: Node's base64url decoder would silently skip anything else. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * An HMAC-SHA256 is 32 bytes: exactly 43 base64url characters, the 43rd carrying the last 4 bits
 * of the HMAC and 2 unused bits. An Ed25519 or ES256 (r||s, RFC 7518 §3.4) signature is 64 bytes:
 * 86 characters, the 86th carrying 2 bits and 4 unused ones. Node's decoder ignores unused bits:
 * without a check each signature would have 4 (or 16) spellings that all verify. The canonical one
 * (RFC 4648 §3.5) has the unused bits zero, i.e. one of the listed last characters. Header and
 * payload need no such check: the signature covers their exact text.
 */
const SIGNATURE_SHAPE: Record<JwtAlgorithm, { length: number; canonicalLast: string }> = {
  HS256: { length: 43, canonicalLast: 'AEIMQUYcgkosw048' },
  EdDSA: { length: 86, canonicalLast: 'AQgw' },
  ES256: { length: 86, canonicalLast: 'AQgw' },
};

/**
 * Headers no token of ours carries. `crit` names extensions we do not implement (RFC 7515
 * §4.1.11: must reject); jku, x5u, jwk and x5c bring their own key, the root of a whole family
 * of forgeries (RFC 8725 §3.10). The key is never fetched or taken from a token, but a token that
 * tries is refused outright.
 */
const FORBIDDEN_HEADERS = ['crit', 'jku', 'x5u', 'jwk', 'x5c'];

export interface VerificationPolicy {
  /** The one algorithm accepted (JWT_ALGORITHM); HS256 when absent. */
  algorithm?: JwtAlgorithm;
  /** HS256: secret keys. EdDSA / ES256: public keys, KeyObjects built once at boot. */
  keys: ReadonlyMap<string, SigningKey>;
  issuer: string;
  audience: string;
  clockToleranceSeconds: number;
}

export type VerificationResult =
  | { ok: true; claims: AccessTokenClaims }
  | { ok: false; code: Extract<AuthErrorCode, 'token_invalid' | 'token_expired'> };

const INVALID = { ok: false, code: 'token_invalid' } as const;
const EXPIRED = { ok: false, code: 'token_expired' } as const;

/**
 * The key named by the token's `kid`, once the header has shown it is one of ours: the configured
 * algorithm (pinned: `none`, other HMACs, and with EdDSA an HS256 token — the classic confusion
 * where the public key's bytes become an HMAC secret — are refused, and the other way round), a
 * known kid whose key is of the kind that algorithm uses, no key-carrying or critical headers.
 */
export function selectVerificationKey(
  rawJwt: string,
  keys: ReadonlyMap<string, SigningKey>,
  algorithm: JwtAlgorithm = ACCESS_TOKEN_ALGORITHM,
): KeyObject | undefined {
  if (!COMPACT_JWS.test(rawJwt)) return undefined;
  const header = parseJsonPart(rawJwt.slice(0, rawJwt.indexOf('.')));
  if (!header || header.alg !== algorithm || typeof header.kid !== 'string') return undefined;
  if (FORBIDDEN_HEADERS.some((name) => name in header)) return undefined;
  if (header.typ !== undefined && header.typ !== 'JWT') return undefined;
  const key = keys.get(header.kid)?.key;
  // A second lock on the same door: an HMAC never runs with a public key, nor the reverse.
  if (!key || key.type !== (algorithm === 'HS256' ? 'secret' : 'public')) return undefined;
  return key;
}

/** The signature check of one algorithm, on the exact signing input; never throws. */
function signatureMatches(
  algorithm: JwtAlgorithm,
  key: KeyObject,
  signingInput: string,
  signature: Buffer,
): boolean {
  switch (algorithm) {
    case 'HS256':
      return timingSafeEqual(signature, createHmac('sha256', key).update(signingInput).digest());
    case 'EdDSA':
      // Ed25519 in OpenSSL refuses a non-canonical S (≥ L), so this encoding is unique too.
      return verifySignature(null, Buffer.from(signingInput), key, signature);
    case 'ES256':
      // (r, s) and (r, n − s) both verify: the service signs low-S only and accepts nothing else,
      // so each token has one accepted spelling (as with HS256 and Ed25519).
      if (readSignatureS(signature) > ES256_HALF_ORDER) return false;
      return verifySignature(
        'sha256',
        Buffer.from(signingInput),
        { key, dsaEncoding: 'ieee-p1363' },
        signature,
      );
  }
}

/**
 * Verifies an access token in one pass: header, the signature over `header.payload` (HMAC-SHA256
 * compared in constant time, or Ed25519 / ECDSA P-256 with a prepared public KeyObject), then the
 * claims — `exp` required, `nbf` honoured, both with the clock tolerance —
 * `iss` and `aud`. Pure computation, no I/O, no exception on the rejection path.
 *
 * jsonwebtoken does the same checks, but decodes the token again, runs two HMAC objects' worth of
 * buffer conversions and builds an Error with a stack trace for each refusal: ~10 µs and a fifth
 * of the garbage per request in the benchmark (BENCHMARKS.md). Signing still uses it.
 */
export function verifyAccessToken(
  rawJwt: string,
  policy: VerificationPolicy,
  nowSeconds = Date.now() / 1000,
): VerificationResult {
  const algorithm = policy.algorithm ?? ACCESS_TOKEN_ALGORITHM;
  const key = selectVerificationKey(rawJwt, policy.keys, algorithm);
  if (!key) return INVALID;
  const lastDot = rawJwt.lastIndexOf('.');
  const signature = rawJwt.slice(lastDot + 1);
  const shape = SIGNATURE_SHAPE[algorithm];
  if (
    signature.length !== shape.length ||
    !shape.canonicalLast.includes(signature[shape.length - 1])
  )
    return INVALID;
  if (
    !signatureMatches(algorithm, key, rawJwt.slice(0, lastDot), Buffer.from(signature, 'base64url'))
  )
    return INVALID;

  const claims = parseJsonPart(rawJwt.slice(rawJwt.indexOf('.') + 1, lastDot));
  if (!claims) return INVALID;
  const { exp, nbf, iss, aud } = claims;
  if (typeof exp !== 'number') return INVALID;
  if (
    nbf !== undefined &&
    (typeof nbf !== 'number' || nbf > nowSeconds + policy.clockToleranceSeconds)
  )
    return INVALID;
  if (iss !== policy.issuer) return INVALID;
  if (aud !== policy.audience && !(Array.isArray(aud) && aud.includes(policy.audience)))
    return INVALID;
  if (exp + policy.clockToleranceSeconds < nowSeconds) return EXPIRED;
  return { ok: true, claims: claims as unknown as AccessTokenClaims };
}

function parseJsonPart(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Refusals longer than this are not remembered: ours are ~500 characters, so no token of ours is. */
const MAX_REMEMBERED_REFUSAL_LENGTH = 2048;

export interface VerifierCacheLimits {
  /** Entries per cache. */
  maxEntries?: number;
  /** Characters of token text the refusal cache may hold; tokens are ASCII, so one byte each. */
  maxRefusedBytes?: number;
  /** The same for verified tokens: ours, so ~500 characters each and the count binds first. */
  maxVerifiedBytes?: number;
}

/**
 * verifyAccessToken with a memory of tokens already verified. A client sends the same access
 * token with every request for up to its whole lifetime, and re-checking a signature it already
 * checked is most of what accepting a token costs (BENCHMARKS.md). The cache is keyed by the exact
 * token string, so any altered token misses it and is verified in full; expiry is still checked on
 * every hit, and revocation is checked by the caller on every request either way.
 *
 * Refusals are remembered too: a token that failed verification fails forever (the keys only
 * change with a restart), so a client retrying a broken token — or a flood replaying one — costs
 * a lookup. But anyone can send refusals without logging in, so only strings shaped and sized
 * like one of our tokens are kept, and both caches are bounded by bytes as well as entries (the
 * oldest go first): a flood of unique junk holds at most `maxRefusedBytes` and costs full
 * verifications, which for junk stop at the shape check or one signature check.
 */
export class AccessTokenVerifier {
  private readonly verified: BoundedCache<AccessTokenClaims>;
  private readonly refused: BoundedCache<VerificationResult>;

  constructor(
    private readonly policy: VerificationPolicy,
    {
      maxEntries = 10_000,
      maxRefusedBytes = 1024 * 1024,
      maxVerifiedBytes = 8 * 1024 * 1024,
    }: VerifierCacheLimits = {},
  ) {
    this.verified = new BoundedCache(maxEntries, maxVerifiedBytes);
    this.refused = new BoundedCache(maxEntries, maxRefusedBytes);
  }

  /** Characters of token text held in both caches (a test's measure; one byte each). */
  get heldBytes(): number {
    return this.verified.bytes + this.refused.bytes;
  }

  verify(rawJwt: string, nowSeconds = Date.now() / 1000): VerificationResult {
    const cached = this.verified.get(rawJwt);
    if (cached) {
      if (cached.exp + this.policy.clockToleranceSeconds >= nowSeconds)
        return { ok: true, claims: cached };
      this.verified.delete(rawJwt);
      return EXPIRED;
    }
    const refusal = this.refused.get(rawJwt);
    if (refusal) return refusal;
    const result = verifyAccessToken(rawJwt, this.policy, nowSeconds);
    if (result.ok) this.verified.set(rawJwt, result.claims);
    else if (rawJwt.length <= MAX_REMEMBERED_REFUSAL_LENGTH && COMPACT_JWS.test(rawJwt))
      this.refused.set(rawJwt, result);
    return result;
  }
}

/** A Map that drops its oldest entries to stay within a count and a total key length. */
class BoundedCache<T> {
  private readonly entries = new Map<string, T>();
  private held = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
  ) {}

  get bytes(): number {
    return this.held;
  }

  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  set(key: string, value: T): void {
    if (key.length > this.maxBytes) return;
    this.delete(key);
    while (this.entries.size >= this.maxEntries || this.held + key.length > this.maxBytes)
      this.delete(this.entries.keys().next().value!);
    this.entries.set(key, value);
    this.held += key.length;
  }

  delete(key: string): void {
    if (this.entries.delete(key)) this.held -= key.length;
  }
}
