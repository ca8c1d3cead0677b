import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
} from 'node:crypto';
import { EnvReader } from './env-parsers';
import { resolveSecret } from './secret-sources';
import { SigningKey } from './signing-keys';

/**
 * The access-token algorithms (../shared/API.md, "Tokens other services can verify"). HS256 is
 * the shared-secret default; EdDSA (Ed25519) and ES256 (P-256) sign with a private key whose
 * public half anyone may hold, so a second service can verify tokens without being able to mint
 * them.
 */
export const JWT_ALGORITHMS = ['HS256', 'EdDSA', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];
export type AsymmetricAlgorithm = Exclude<JwtAlgorithm, 'HS256'>;

export interface AsymmetricKeys {
  /** The private key that signs, with the kid of its public half. */
  signingKey: SigningKey;
  /**
   * Public keys that verify: the current one, JWT_PREVIOUS_PUBLIC_KEYS and JWT_NEXT_PUBLIC_KEY.
   * The next key verifies too: during the rolling restart that switches signing, instances still
   * on the old configuration must accept what the restarted ones already sign.
   */
  verificationKeys: SigningKey[];
  /** What GET /.well-known/jwks.json publishes: current, previous, next (public, distinct kids). */
  publishedKeys: SigningKey[];
}

const KEY_SHAPE: Record<
  AsymmetricAlgorithm,
  { type: string; curve?: string; name: string; file: string }
> = {
  EdDSA: { type: 'ed25519', name: 'an Ed25519', file: 'jwt-ed25519.pem' },
  ES256: { type: 'ec', curve: 'prime256v1', name: 'a P-256 (ES256)', file: 'jwt-es256.pem' },
};

const PUBLIC_PEM = /-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+?-----END PUBLIC KEY-----/g;

/**
 * RFC 7638 JWK thumbprint: SHA-256 over the key's required members in lexicographic order, no
 * whitespace, base64url. Any party holding the public key computes the same kid, so it never
 * needs configuring and cannot drift between the service and its JWKS.
 */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const canonical =
    jwk.kty === 'OKP'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
      : jwk.kty === 'EC'
        ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
        : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64url');
}

function fitsAlgorithm(key: KeyObject, algorithm: AsymmetricAlgorithm): boolean {
  const shape = KEY_SHAPE[algorithm];
  return (
    key.asymmetricKeyType === shape.type &&
    (shape.curve === undefined || key.asymmetricKeyDetails?.namedCurve === shape.curve)
  );
}

/** .env files and CI variables often carry a PEM on one line with literal "\n" escapes. */
function unescapePem(value: string): string {
  return value.replace(/\\n/g, '\n');
}

/**
 * Where the private key comes from, in order: JWT_PRIVATE_KEY (filled from JWT_SECRET_ARN by the
 * secrets manager), JWT_PRIVATE_KEY_FILE, and outside production a key pair generated once into
 * DATA_DIR, as for JWT_SECRET (signing-keys.ts). Every key becomes a KeyObject here, once: no
 * request ever parses a PEM.
 */
export function resolveAsymmetricKeys(
  read: EnvReader,
  algorithm: AsymmetricAlgorithm,
  isProduction: boolean,
  dataDir: string,
): AsymmetricKeys | undefined {
  const shape = KEY_SHAPE[algorithm];
  const resolved = resolveSecret(
    read,
    {
      name: 'JWT_PRIVATE_KEY',
      generatedFile: shape.file,
      generate: () => generatePrivateKeyPem(algorithm),
      generatedNote: ' (delete it to make a new one)',
      requiredFor: ` and JWT_ALGORITHM=${algorithm}`,
      unescape: unescapePem,
    },
    isProduction,
    dataDir,
  );
  if (!resolved) return undefined;
  const { value: pem, source } = resolved;

  let privateKey: KeyObject;
  try {
    // Never echo the value or the parser's message: either could quote the key.
    if (!/-----BEGIN PRIVATE KEY-----/.test(pem)) throw new Error('not PKCS#8');
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    read.fail(`${source} must be a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)`);
    return undefined;
  }
  if (!fitsAlgorithm(privateKey, algorithm)) {
    read.fail(`${source} must be ${shape.name} private key for JWT_ALGORITHM=${algorithm}`);
    return undefined;
  }

  const currentPublic = createPublicKey(privateKey);
  const previous = publicKeys(read, 'JWT_PREVIOUS_PUBLIC_KEYS', algorithm, true);
  const next = publicKeys(read, 'JWT_NEXT_PUBLIC_KEY', algorithm, false);
  if (!previous || !next) return undefined;

  const signingKey = { kid: jwkThumbprint(currentPublic), key: privateKey };
  const published = new Map<string, SigningKey>();
  for (const key of [currentPublic, ...previous, ...next]) {
    const kid = jwkThumbprint(key);
    if (!published.has(kid)) published.set(kid, { kid, key });
  }
  const publishedKeys = [...published.values()];
  return { signingKey, verificationKeys: publishedKeys, publishedKeys };
}

function publicKeys(
  read: EnvReader,
  name: string,
  algorithm: AsymmetricAlgorithm,
  many: boolean,
): KeyObject[] | undefined {
  const value = read.raw(name);
  if (!value) return [];
  const blocks = unescapePem(value).match(PUBLIC_PEM) ?? [];
  const rest = unescapePem(value).replace(PUBLIC_PEM, '').trim();
  if (blocks.length === 0 || rest !== '' || (!many && blocks.length > 1)) {
    read.fail(
      many
        ? `${name} must be one or more PEM public keys (-----BEGIN PUBLIC KEY-----)`
        : `${name} must be one PEM public key (-----BEGIN PUBLIC KEY-----)`,
    );
    return undefined;
  }
  const keys: KeyObject[] = [];
  for (const block of blocks) {
    let key: KeyObject;
    try {
      key = createPublicKey({ key: block, format: 'pem' });
    } catch {
      read.fail(`${name} holds a PEM block that is not a valid public key`);
      return undefined;
    }
    if (!fitsAlgorithm(key, algorithm)) {
      read.fail(
        `${name} must hold ${KEY_SHAPE[algorithm].name} public key for JWT_ALGORITHM=${algorithm}`,
      );
      return undefined;
    }
    keys.push(key);
  }
  return keys;
}

/** A PKCS#8 PEM key pair of the algorithm's kind, as an operator would make with openssl. */
export function generatePrivateKeyPem(algorithm: AsymmetricAlgorithm): string {
  const { privateKey } =
    algorithm === 'EdDSA'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
}
