import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;

/** RFC 4648 base32, lower case: no 0/1/8/9, so no O/0 or l/1 to confuse when copied by hand. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * Ten single-use codes of 80 random bits each, shown as `xxxx-xxxx-xxxx-xxxx`. With that much
 * entropy a plain SHA-256 is enough to store them (nobody can try 2^80 guesses), and lets a code be
 * found by its hash in one indexed UPDATE.
 */
export function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const bytes = randomBytes(10);
    let bits = 0n;
    for (const byte of bytes) bits = (bits << 8n) | BigInt(byte);
    let text = '';
    for (let i = 0; i < 16; i++) text = ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)] + text;
    return text.match(/.{4}/g)!.join('-');
  });
}

/** Case, spaces and dashes as typed do not matter. */
export function normalizeRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}

export function hashRecoveryCode(code: string): Buffer {
  return createHash('sha256').update(normalizeRecoveryCode(code), 'utf8').digest();
}
