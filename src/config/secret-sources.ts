import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EnvReader } from './env-parsers';

/**
 * One secret the service needs (the JWT signing secret or private key, the data-encryption key),
 * and how it may be given.
 */
export interface SecretSource {
  /** The variable; NAME_FILE names a mounted secret instead. */
  name: string;
  /** Outside production: a secret generated once into DATA_DIR under this file name. */
  generatedFile: string;
  generate(): string;
  /** Added to the generated key's name in messages (e.g. whether deleting it is safe). */
  generatedNote?: string;
  /** Added to "is required in production" (e.g. the algorithm that needs it). */
  requiredFor?: string;
  /** Turns an inline value into the secret (e.g. a PEM written on one line with "\n"). */
  unescape?(value: string): string;
}

export interface ResolvedSecret {
  value: string;
  /** Where it came from, for messages: never the value itself. */
  source: string;
}

/**
 * The secret from, in order: NAME, NAME_FILE (a mounted secret; one trailing newline dropped),
 * and outside production a secret generated once into DATA_DIR, so restarts keep using it while
 * no two installs share one. Never a default baked into the code; in production a missing one
 * stops the process with a message naming the variable.
 */
export function resolveSecret(
  read: EnvReader,
  secret: SecretSource,
  isProduction: boolean,
  dataDir: string,
): ResolvedSecret | undefined {
  const { name } = secret;
  const inline = read.raw(name);
  const file = read.raw(`${name}_FILE`);
  if (inline && file) {
    read.fail(`Set only one of ${name} and ${name}_FILE`);
    return undefined;
  }
  if (inline !== undefined)
    return { value: secret.unescape ? secret.unescape(inline) : inline, source: name };
  if (file !== undefined) {
    try {
      return {
        value: readFileSync(file, 'utf8').replace(/\r?\n$/, ''),
        source: `${name} (from ${name}_FILE)`,
      };
    } catch {
      read.fail(`${name}_FILE names a file that cannot be read`);
      return undefined;
    }
  }
  if (isProduction) {
    read.fail(
      `${name} (or ${name}_FILE) is required when NODE_ENV=${read.nodeEnv}${secret.requiredFor ?? ''} ` +
        '(only development and test may generate one)',
    );
    return undefined;
  }
  const path = join(dataDir, secret.generatedFile);
  return {
    value: generatedOnce(path, () => secret.generate()),
    source: `the generated key in ${path}${secret.generatedNote ?? ''}`,
  };
}

/** The file's content, writing a new secret first if there is none (0600, never overwritten). */
function generatedOnce(path: string, generate: () => string): string {
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(join(path, '..'), { recursive: true });
  const value = generate();
  try {
    writeFileSync(path, value.trim() + '\n', { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process starting at the same moment wrote it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      return readFileSync(path, 'utf8').trim();
    throw error;
  }
  chmodSync(path, 0o600);
  return value.trim();
}
