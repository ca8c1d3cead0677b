import { createPublicKey, verify } from 'node:crypto';
import { JwtService } from '@nestjs/jwt';
import { AuthConfig, loadAuthConfig } from '../../config/auth.config';
import { generatePrivateKeyPem, jwkThumbprint } from '../../config/asymmetric-keys';
import { verifyAccessToken } from '../access-token-verifier';
import { AccessTokenSigner } from './access-token-signer';
import { ES256_HALF_ORDER, readSignatureS } from './ecdsa-signature';

const decode = (token: string, index: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
const OPTIONS = { subject: 'user-1', jwtid: 'jti-1', expiresIn: 900 };

describe.each(['EdDSA', 'ES256'] as const)('AccessTokenSigner with %s', (algorithm) => {
  let config: AuthConfig;
  let signer: AccessTokenSigner;
  let publicKey: ReturnType<typeof createPublicKey>;

  beforeAll(() => {
    config = loadAuthConfig({
      JWT_ALGORITHM: algorithm,
      JWT_PRIVATE_KEY: generatePrivateKeyPem(algorithm),
      DATA_DIR: '/nonexistent-signer-spec',
    });
    signer = new AccessTokenSigner(config);
    publicKey = createPublicKey(config.signingKey.key);
  });

  it('should put the algorithm, typ JWT and the RFC 7638 thumbprint kid in the header', () => {
    expect(decode(signer.sign({ sid: 's' }, OPTIONS), 0)).toEqual({
      alg: algorithm,
      typ: 'JWT',
      kid: jwkThumbprint(publicKey),
    });
  });

  it('should sign with a 64-byte JWS signature that the public key verifies', () => {
    const token = signer.sign({ sid: 's' }, OPTIONS);
    const [header, payload, signature] = token.split('.');
    const bytes = Buffer.from(signature, 'base64url');
    expect(bytes).toHaveLength(64);
    const input = Buffer.from(`${header}.${payload}`);
    const ok =
      algorithm === 'EdDSA'
        ? verify(null, input, publicKey, bytes)
        : verify('sha256', input, { key: publicKey, dsaEncoding: 'ieee-p1363' }, bytes);
    expect(ok).toBe(true);
  });

  it('should be accepted by the service verifier with the published keys', () => {
    const token = signer.sign({ sid: 's', roles: [] }, OPTIONS);
    const result = verifyAccessToken(token, {
      algorithm,
      keys: config.verificationKeys,
      issuer: config.issuer,
      audience: config.audience,
      clockToleranceSeconds: 30,
    });
    expect(result).toMatchObject({ ok: true, claims: { sub: 'user-1', jti: 'jti-1' } });
  });

  it('should never leave the private key usable as a verification key', () => {
    expect([...config.verificationKeys.values()].every(({ key }) => key.type === 'public')).toBe(
      true,
    );
  });

  if (algorithm === 'ES256') {
    it('should always sign with the low s, the one spelling the verifier accepts', () => {
      for (let i = 0; i < 40; i++) {
        const signature = Buffer.from(signer.sign({ i }, OPTIONS).split('.')[2], 'base64url');
        expect(readSignatureS(signature) <= ES256_HALF_ORDER).toBe(true);
      }
    });

    it('should produce tokens a standard ES256 verifier (jsonwebtoken) accepts', () => {
      const token = signer.sign({ sid: 's' }, OPTIONS);
      const jwt = new JwtService({ publicKey });
      expect(
        jwt.verify(token, {
          algorithms: ['ES256'],
          issuer: config.issuer,
          audience: config.audience,
        }),
      ).toMatchObject({ sub: 'user-1' });
    });
  }
});
