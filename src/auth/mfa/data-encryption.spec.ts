import { DataEncryption } from './data-encryption';

const MATERIAL = Buffer.from('0123456789abcdef0123456789abcdef0123456789abcdef');

describe('DataEncryption', () => {
  const box = new DataEncryption(MATERIAL, 'totp-secret');

  it('should give back what it sealed', () => {
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    expect(box.decrypt(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
  });

  it('should not contain the plaintext', () => {
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed.toString('latin1')).not.toContain('JBSWY3DPEHPK3PXP');
  });

  it('should seal the same value differently each time (random IV)', () => {
    expect(box.encrypt('same', 'user-1').equals(box.encrypt('same', 'user-1'))).toBe(false);
  });

  it('should refuse a value sealed for another owner', () => {
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    expect(() => box.decrypt(sealed, 'user-2')).toThrow();
  });

  it('should refuse a tampered value', () => {
    const sealed = box.encrypt('JBSWY3DPEHPK3PXP', 'user-1');
    sealed[sealed.length - 1] ^= 1;
    expect(() => box.decrypt(sealed, 'user-1')).toThrow();
  });

  it('should refuse a value sealed under other key material', () => {
    const other = new DataEncryption(Buffer.from('f'.repeat(48)), 'totp-secret');
    expect(() => other.decrypt(box.encrypt('x', 'user-1'), 'user-1')).toThrow();
  });

  it('should derive a different key for another purpose from the same material', () => {
    const other = new DataEncryption(MATERIAL, 'something-else');
    expect(() => other.decrypt(box.encrypt('x', 'user-1'), 'user-1')).toThrow();
  });
});
