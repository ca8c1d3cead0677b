import { createHmac, createPublicKey } from 'node:crypto';
import { loadAuthConfig } from '../../config/auth.config';
import { generatePrivateKeyPem } from '../../config/asymmetric-keys';
import { AccessTokenVerifier, verifyAccessToken } from '../access-token-verifier';
import { AccessTokenSigner } from './access-token-signer';
import { ES256_ORDER, readSignatureS } from './ecdsa-signature';

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const OPTIONS = { subject: 'u', jwtid: 'j', expiresIn: 900 };
const CLAIMS = { sid: 's', roles: ['user'] };

function setup(algorithm: 'HS256' | 'EdDSA' | 'ES256') {
  const config = loadAuthConfig({
    JWT_ALGORITHM: algorithm,
    JWT_SECRET: 'asymmetric-verification-spec-secret-0123456789',
    ...(algorithm === 'HS256' ? {} : { JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm) }),
    DATA_DIR: '/nonexistent-asymmetric-verification-spec',
  });
  const policy = {
    algorithm,
    keys: config.verificationKeys,
    issuer: config.issuer,
    audience: config.audience,
    clockToleranceSeconds: 30,
  };
  return { config, policy, signer: new AccessTokenSigner(config) };
}

describe.each(['EdDSA', 'ES256'] as const)('Access-token verification with %s', (algorithm) => {
  const { config, policy, signer } = setup(algorithm);
  const publicPem = createPublicKey(config.signingKey.key).export({ type: 'spki', format: 'pem' });

  it('should accept a token the service signed', () => {
    expect(verifyAccessToken(signer.sign(CLAIMS, OPTIONS), policy).ok).toBe(true);
  });

  it("should refuse an HS256 token whose HMAC key is the public key's PEM bytes (alg confusion)", () => {
    const header = b64({ alg: 'HS256', typ: 'JWT', kid: config.signingKey.kid });
    const payload = signer.sign(CLAIMS, OPTIONS).split('.')[1];
    for (const secret of [
      publicPem,
      createPublicKey(publicPem).export({ type: 'spki', format: 'der' }),
    ]) {
      const input = `${header}.${payload}`;
      const token = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
      expect(verifyAccessToken(token, policy)).toEqual({ ok: false, code: 'token_invalid' });
    }
  });

  it('should refuse a token naming the other asymmetric algorithm under the same kid', () => {
    const [, payload, signature] = signer.sign(CLAIMS, OPTIONS).split('.');
    const otherAlg = algorithm === 'EdDSA' ? 'ES256' : 'EdDSA';
    const header = b64({ alg: otherAlg, typ: 'JWT', kid: config.signingKey.kid });
    expect(verifyAccessToken(`${header}.${payload}.${signature}`, policy).ok).toBe(false);
  });

  it.each([1, 2, 4, 8, 15])(
    'should refuse the genuine signature respelled with unused low bits %i set',
    (bits) => {
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const token = signer.sign(CLAIMS, OPTIONS);
      const respelled = `${token.slice(0, -1)}${alphabet[alphabet.indexOf(token.at(-1)!) ^ bits]}`;
      expect(Buffer.from(respelled.split('.')[2], 'base64url')).toEqual(
        Buffer.from(token.split('.')[2], 'base64url'),
      );
      expect(verifyAccessToken(respelled, policy)).toEqual({ ok: false, code: 'token_invalid' });
    },
  );

  it('should refuse a token signed by another key of the same kind under the right kid', () => {
    const stranger = setup(algorithm);
    const forged = stranger.signer.sign(CLAIMS, OPTIONS).split('.');
    const header = b64({ alg: algorithm, typ: 'JWT', kid: config.signingKey.kid });
    const mixed = `${header}.${forged[1]}.${forged[2]}`;
    expect(verifyAccessToken(mixed, policy)).toEqual({ ok: false, code: 'token_invalid' });
  });

  it('should remember a refusal and a verification as the HS256 verifier does', () => {
    const verifier = new AccessTokenVerifier(policy);
    const token = signer.sign(CLAIMS, OPTIONS);
    expect(verifier.verify(token).ok).toBe(true);
    // Another first signature character: certainly a different, still canonical, spelling (a
    // fixed ending such as "AA" is the token itself once in a few hundred signatures).
    const signatureStart = token.lastIndexOf('.') + 1;
    const other = token[signatureStart] === 'A' ? 'B' : 'A';
    const forged = token.slice(0, signatureStart) + other + token.slice(signatureStart + 1);
    expect(verifier.verify(forged).ok).toBe(false);
    expect(verifier.heldBytes).toBe(2 * token.length);
  });
});

describe('ES256 signature malleability', () => {
  const { policy, signer } = setup('ES256');

  it('should refuse (r, n − s), the high-s twin that a plain ECDSA verifier accepts', () => {
    const token = signer.sign(CLAIMS, OPTIONS);
    const signature = Buffer.from(token.split('.')[2], 'base64url');
    const high = (ES256_ORDER - readSignatureS(signature)).toString(16).padStart(64, '0');
    const twin = Buffer.concat([signature.subarray(0, 32), Buffer.from(high, 'hex')]);
    const respelled = `${token.slice(0, token.lastIndexOf('.'))}.${twin.toString('base64url')}`;
    expect(verifyAccessToken(respelled, policy)).toEqual({ ok: false, code: 'token_invalid' });
  });
});

describe('Access-token verification with HS256 configured', () => {
  const { policy } = setup('HS256');

  it.each(['EdDSA', 'ES256'] as const)(
    'should refuse a genuine %s token, whatever key signed it',
    (algorithm) => {
      const other = setup(algorithm);
      const token = other.signer.sign(CLAIMS, OPTIONS);
      expect(verifyAccessToken(token, policy)).toEqual({ ok: false, code: 'token_invalid' });
    },
  );
});
