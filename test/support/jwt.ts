import {
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  sign as cryptoSign,
} from 'node:crypto';

export const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** HS256 over arbitrary header and claims, the way an attacker holding (or guessing) a key would. */
export function signHs256(header: object, claims: object, secret: string | Buffer): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The kid the service derives from a secret (config/signing-keys.ts). */
export function kidOf(secret: string): string {
  return createHash('sha256')
    .update('kid:')
    .update(Buffer.from(secret, 'utf8'))
    .digest('base64url')
    .slice(0, 16);
}

export type TestAlgorithm = 'HS256' | 'EdDSA' | 'ES256';

/** A PKCS#8 private key of the algorithm's kind and its SPKI public half, both PEM. */
export function testKeyPair(algorithm: 'EdDSA' | 'ES256'): {
  privatePem: string;
  publicPem: string;
} {
  const { privateKey, publicKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string,
  };
}

/** The RFC 7638 thumbprint of a public (or private) PEM: the kid the service puts in headers. */
export function thumbprintOf(pem: string): string {
  const jwk = createPublicKey(pem).export({ format: 'jwk' });
  const members =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/**
 * A compact JWS with any header and claims, signed the way the header's real algorithm would be
 * (or an attacker holding `key` would): HMAC for HS256, Ed25519, or ES256 as r||s.
 */
export function signJws(
  algorithm: TestAlgorithm,
  header: object,
  claims: object,
  key: string | Buffer | KeyObject,
): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${signatureOver(algorithm, input, key)}`;
}

/** The base64url signature of `input` under the algorithm, with `key`. */
export function signatureOver(
  algorithm: TestAlgorithm,
  input: string,
  key: string | Buffer | KeyObject,
): string {
  const data = Buffer.from(input);
  const signature =
    algorithm === 'HS256'
      ? createHmac('sha256', key).update(data).digest()
      : algorithm === 'EdDSA'
        ? cryptoSign(null, data, key)
        : lowS(
            cryptoSign('sha256', data, {
              key: typeof key === 'string' || Buffer.isBuffer(key) ? createPrivateKey(key) : key,
              dsaEncoding: 'ieee-p1363',
            }),
          );
  return signature.toString('base64url');
}

const P256_ORDER = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** ES256 as the service signs it: the low s of the two that verify (auth/keys/ecdsa-signature.ts). */
function lowS(signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  if (s <= P256_ORDER >> 1n) return signature;
  const low = Buffer.from((P256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), low]);
}
