/**
 * ECDSA signatures are malleable: if (r, s) verifies, so does (r, n − s). JWS does not forbid
 * either, but a token with two valid spellings defeats "one token, one string" (the verified and
 * refusal caches, replay logs). The service therefore signs with the low s (≤ n/2, as Bitcoin's
 * BIP 62 and libsecp256k1 do) and accepts only that; standard verifiers such as jose accept it.
 */

/** The order n of the P-256 group (SEC 2, secp256r1). */
export const ES256_ORDER = BigInt(
  '0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551',
);
export const ES256_HALF_ORDER = ES256_ORDER >> 1n;

/** s of a JWS ES256 signature: the second 32 bytes of r||s (RFC 7518 §3.4). */
export function readSignatureS(signature: Buffer): bigint {
  return BigInt(`0x${signature.subarray(32, 64).toString('hex') || '0'}`);
}

/** The same signature with s replaced by n − s when s is in the upper half. */
export function toLowS(signature: Buffer): Buffer {
  const s = readSignatureS(signature);
  if (s <= ES256_HALF_ORDER) return signature;
  const low = Buffer.from((ES256_ORDER - s).toString(16).padStart(64, '0'), 'hex');
  return Buffer.concat([signature.subarray(0, 32), low]);
}
