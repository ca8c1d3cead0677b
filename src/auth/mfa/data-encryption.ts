import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

/**
 * AES-256-GCM for values kept at rest (../shared/API.md, "Multi-factor authentication"). The key
 * is derived with HKDF-SHA256 from DATA_ENCRYPTION_KEY and a purpose label, so each kind of value
 * gets its own key and the configured material is never a cipher key itself. Each value is bound
 * to its owner through the associated data: a ciphertext copied into another user's row does not
 * decrypt there. Layout: version (1 byte) ‖ IV (12) ‖ tag (16) ‖ ciphertext.
 */
export class DataEncryption {
  private readonly key: Buffer;

  constructor(keyMaterial: Buffer, purpose: string) {
    this.key = Buffer.from(
      hkdfSync('sha256', keyMaterial, Buffer.alloc(0), `nest-jwt-auth:${purpose}`, 32),
    );
  }

  encrypt(plaintext: string, associatedData: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key, iv);
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), ciphertext]);
  }

  /** Throws when the value was altered, belongs to another owner or was sealed under another key. */
  decrypt(sealed: Buffer, associatedData: string): string {
    if (sealed.length < HEADER_BYTES || sealed[0] !== VERSION) {
      throw new Error('Not a sealed value of a known version');
    }
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, HEADER_BYTES);
    const decipher = createDecipheriv(ALGORITHM, this.key, iv);
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.subarray(HEADER_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  }
}
