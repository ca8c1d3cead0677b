import { registerAs } from '@nestjs/config';
import { Env, EnvReader } from './env-parsers';

export interface MailConfig {
  /** smtp:// or smtps:// with credentials; unset: the development outbox, or no mail in production. */
  smtpUrl?: string;
  /** The From header of every mail. */
  from: string;
  /** Where the links in mails point: the page that handles `#verify?token=` and `#reset?token=`. */
  publicUrl: string;
  emailVerifyTtlMs: number;
  passwordResetTtlMs: number;
  /** Where the development outbox keeps its .eml files (DATA_DIR/outbox). */
  outboxDir: string;
  /** No SMTP_URL outside production: mails are written to the outbox and listed at GET /dev/outbox. */
  useOutbox: boolean;
}

/**
 * The account-lifecycle mail settings (../shared/API.md, "Account lifecycle (email)"). Links are
 * built from PUBLIC_URL, never from a request's Host header: a forged Host would otherwise put an
 * attacker's address in a reset mail (password-reset poisoning).
 */
export function loadMailConfig(env: Env = process.env): MailConfig {
  const read = new EnvReader(env);
  const { isProduction, dataDir } = read;
  const smtpUrl = read.url('SMTP_URL', ['smtp:', 'smtps:']);
  const port = read.int('PORT', 3000, 0, 65535);
  const publicUrl = parsePublicUrl(read, `http://localhost:${port}`);
  if (isProduction && smtpUrl && read.raw('PUBLIC_URL') === undefined) {
    read.fail(
      'PUBLIC_URL must be set when SMTP_URL is (the address users open the links in mails at, ' +
        'e.g. https://auth.example.com)',
    );
  }
  const from = read.string('MAIL_FROM', 'nest-jwt-auth <no-reply@localhost>');
  if (!/<[^<>\s]+@[^<>\s]+>$|^[^<>\s]+@[^<>\s]+$/.test(from)) {
    read.fail(`MAIL_FROM must be an address or "Name <address>" (got "${from}")`);
  }
  const config: MailConfig = {
    smtpUrl,
    from,
    publicUrl,
    emailVerifyTtlMs: read.duration('EMAIL_VERIFY_TTL', '24h', 60_000),
    passwordResetTtlMs: read.duration('PASSWORD_RESET_TTL', '30m', 60_000),
    outboxDir: `${dataDir}/outbox`,
    useOutbox: !isProduction && smtpUrl === undefined,
  };
  read.done();
  return config;
}

/** An http(s) origin with an optional path, without query or fragment; no trailing slash. */
function parsePublicUrl(read: EnvReader, fallback: string): string {
  const value = read.raw('PUBLIC_URL');
  if (value === undefined) return fallback;
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && !url.search && !url.hash) {
      return url.toString().replace(/\/+$/, '');
    }
  } catch {
    // reported below
  }
  read.fail(
    `PUBLIC_URL must be an http:// or https:// URL without query or fragment (got "${value}")`,
  );
  return fallback;
}

export const mailConfig = registerAs('mail', () => loadMailConfig());
