import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigError, Env } from './env-parsers';

/**
 * JWT_SECRET_ARN: the signing key from AWS Secrets Manager, read once at start. The secret is
 * either the key itself, or JSON `{"JWT_SECRET": "...", "JWT_PREVIOUS_SECRETS": "a,b"}` so that
 * a rotation can carry the old key along. For EdDSA / ES256 it is the PKCS#8 PEM private key, or
 * JSON `{"JWT_PRIVATE_KEY": "...", "JWT_PREVIOUS_PUBLIC_KEYS": "...", "JWT_NEXT_PUBLIC_KEY": "..."}`
 * (config/asymmetric-keys.ts). Credentials and region come from the usual AWS chain;
 * SECRETS_MANAGER_ENDPOINT points the client elsewhere (a VPC endpoint, or a local stub in tests).
 *
 * @returns env with JWT_SECRET (and JWT_PREVIOUS_SECRETS) filled in from the secret
 */
export async function withSecretsManagerSecret(env: Env): Promise<Env> {
  const arn = env.JWT_SECRET_ARN?.trim();
  if (!arn) return env;
  if (env.JWT_SECRET?.trim() || env.JWT_SECRET_FILE?.trim()) {
    throw new ConfigError(['Set only one of JWT_SECRET, JWT_SECRET_FILE and JWT_SECRET_ARN']);
  }
  if (env.JWT_PRIVATE_KEY?.trim() || env.JWT_PRIVATE_KEY_FILE?.trim()) {
    throw new ConfigError([
      'Set only one of JWT_PRIVATE_KEY, JWT_PRIVATE_KEY_FILE and JWT_SECRET_ARN',
    ]);
  }
  const client = new SecretsManagerClient({
    endpoint: env.SECRETS_MANAGER_ENDPOINT?.trim() || undefined,
    maxAttempts: 3,
  });
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (error) {
    // The SDK's message names the secret and the cause (access denied, not found), never its value.
    throw new ConfigError([
      `JWT_SECRET_ARN could not be read: ${error instanceof Error ? error.name : 'error'}`,
    ]);
  } finally {
    client.destroy();
  }
  if (!value) throw new ConfigError(['JWT_SECRET_ARN names a secret without a SecretString']);

  const parsed = parseJsonObject(value);
  const privateKey = parsed ? parsed.JWT_PRIVATE_KEY : value;
  if (typeof privateKey === 'string' && privateKey.includes('-----BEGIN PRIVATE KEY-----')) {
    const carried = ['JWT_PREVIOUS_PUBLIC_KEYS', 'JWT_NEXT_PUBLIC_KEY'].filter(
      (name) => typeof parsed?.[name] === 'string',
    );
    return {
      ...env,
      JWT_PRIVATE_KEY: privateKey,
      ...Object.fromEntries(carried.map((name) => [name, parsed![name] as string])),
    };
  }
  const secret = parsed ? parsed.JWT_SECRET : value;
  if (typeof secret !== 'string') {
    throw new ConfigError([
      'JWT_SECRET_ARN: a JSON secret must hold a string JWT_SECRET or a PEM JWT_PRIVATE_KEY',
    ]);
  }
  const previous = parsed?.JWT_PREVIOUS_SECRETS;
  return {
    ...env,
    JWT_SECRET: secret,
    ...(typeof previous === 'string' ? { JWT_PREVIOUS_SECRETS: previous } : {}),
  };
}

function parseJsonObject(value: string): Record<string, unknown> | undefined {
  if (!value.trimStart().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
