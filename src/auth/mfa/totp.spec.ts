import { Secret, TOTP } from 'otpauth';
import { matchingStep, newTotpSecret, otpauthUrl, timeStep, TotpParameters } from './totp';

/** RFC 6238, Appendix B: the SHA-1 seed is the ASCII string "12345678901234567890". */
const RFC_SECRET = Secret.fromLatin1('12345678901234567890');
const RFC_PARAMETERS: TotpParameters = { algorithm: 'SHA1', digits: 8, periodSeconds: 30 };
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238)', () => {
  describe("RFC 6238's published test vectors (Appendix B, SHA-1)", () => {
    it.each(RFC_VECTORS)('should generate, at T = %i s, the code %s', (seconds, code) => {
      expect(
        TOTP.generate({
          secret: RFC_SECRET,
          algorithm: 'SHA1',
          digits: 8,
          period: 30,
          timestamp: seconds * 1000,
        }),
      ).toBe(code);
    });

    it.each(RFC_VECTORS)(
      'should accept, at T = %i s, the code %s for its step',
      (seconds, code) => {
        expect(matchingStep(RFC_SECRET, code, seconds * 1000, RFC_PARAMETERS)).toBe(
          Math.floor(seconds / 30),
        );
      },
    );
  });

  describe('clock drift', () => {
    const secret = Secret.fromBase32(newTotpSecret());
    const now = 1_750_000_015_000;
    const codeAt = (ms: number) => TOTP.generate({ secret, timestamp: ms });

    it('should accept the code of the previous step', () => {
      expect(matchingStep(secret, codeAt(now - 30_000), now)).toBe(timeStep(now) - 1);
    });

    it('should accept the code of the next step', () => {
      expect(matchingStep(secret, codeAt(now + 30_000), now)).toBe(timeStep(now) + 1);
    });

    it('should refuse the code of two steps ago', () => {
      expect(matchingStep(secret, codeAt(now - 60_000), now)).toBeUndefined();
    });

    it('should refuse the code of two steps ahead', () => {
      expect(matchingStep(secret, codeAt(now + 60_000), now)).toBeUndefined();
    });
  });

  describe('refusals', () => {
    const secret = Secret.fromBase32(newTotpSecret());
    const now = 1_750_000_015_000;

    it('should refuse a code of the wrong length without comparing it', () => {
      const code = TOTP.generate({ secret, timestamp: now });
      expect(matchingStep(secret, `${code}0`, now)).toBeUndefined();
    });

    it("should refuse another secret's code", () => {
      const other = Secret.fromBase32(newTotpSecret());
      const code = TOTP.generate({ secret: other, timestamp: now });
      // One in a million the other secret's code is also this one's; then the step must differ.
      const step = matchingStep(secret, code, now);
      const collides = [-1, 0, 1].some(
        (d) => TOTP.generate({ secret, timestamp: now + d * 30_000 }) === code,
      );
      expect(step === undefined).toBe(!collides);
    });
  });

  describe('enrolment', () => {
    it('should make 160-bit secrets, base32-encoded (32 characters)', () => {
      expect(newTotpSecret()).toMatch(/^[A-Z2-7]{32}$/);
    });

    it('should make a fresh secret each time', () => {
      expect(newTotpSecret()).not.toBe(newTotpSecret());
    });

    it('should describe SHA-1, 6 digits and 30 s in the otpauth URL', () => {
      const url = new URL(otpauthUrl('JBSWY3DPEHPK3PXP', 'nest-jwt-auth', 'ada@example.com'));
      expect(url.protocol).toBe('otpauth:');
      expect(url.host).toBe('totp');
      expect(url.searchParams.get('secret')).toBe('JBSWY3DPEHPK3PXP');
      expect(url.searchParams.get('issuer')).toBe('nest-jwt-auth');
      expect(url.searchParams.get('algorithm')).toBe('SHA1');
      expect(url.searchParams.get('digits')).toBe('6');
      expect(url.searchParams.get('period')).toBe('30');
      expect(decodeURIComponent(url.pathname)).toBe('/nest-jwt-auth:ada@example.com');
    });
  });
});
