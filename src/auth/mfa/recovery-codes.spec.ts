import { hashRecoveryCode, newRecoveryCodes } from './recovery-codes';

describe('Recovery codes', () => {
  it('should make ten codes of 16 base32 characters in groups of four', () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/);
  });

  it('should make distinct codes', () => {
    expect(new Set(newRecoveryCodes()).size).toBe(10);
  });

  it('should hash a code the same whatever its case, spaces and dashes', () => {
    expect(hashRecoveryCode('abcd-efgh-ijkl-mnop')).toEqual(
      hashRecoveryCode(' ABCD EFGH ijklmnop'),
    );
  });

  it('should hash different codes differently', () => {
    expect(hashRecoveryCode('abcd-efgh-ijkl-mnop')).not.toEqual(
      hashRecoveryCode('abcd-efgh-ijkl-mnoq'),
    );
  });
});
