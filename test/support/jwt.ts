import { createHash, createHmac } from 'node:crypto';

export const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** HS256 over arbitrary header and claims, the way an attacker holding (or guessing) a key would. */
export function signHs256(header: object, claims: object, secret: string | Buffer): string {
  const input = `${b64url(header)}.${b64url(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

/** The kid the service derives from a secret (config/signing-keys.ts). */
export function kidOf(secret: string): string {
  return createHash('sha256')
    .update('kid:')
    .update(Buffer.from(secret, 'utf8'))
    .digest('base64url')
    .slice(0, 16);
}
