import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The mails the service sends; each is `templates/<name>.txt` and `templates/<name>.html`. */
export const MAIL_TEMPLATES = ['verify-email', 'password-reset'] as const;
export type MailTemplateName = (typeof MAIL_TEMPLATES)[number];

export interface RenderedBodies {
  subject: string;
  text: string;
  html: string;
}

/** Where the templates are: beside this file in src/ and, copied by nest-cli.json, in dist/. */
export const TEMPLATES_DIR = join(__dirname, 'templates');

const PLACEHOLDER = /\{\{\s*(\w+)\s*\}\}/g;

/**
 * Mail bodies a team can edit without touching code: plain files with `{{placeholders}}`. The
 * plain-text file starts with a `Subject:` line. Values are HTML-escaped in the HTML body; a
 * placeholder without a value is an error, never an empty gap in a mail. Read once at start, so a
 * missing or broken template stops the service instead of the first mail.
 */
export class MailTemplates {
  private readonly templates = new Map<
    MailTemplateName,
    { subject: string; text: string; html: string }
  >();

  constructor(dir = TEMPLATES_DIR) {
    for (const name of MAIL_TEMPLATES) {
      const plain = readFileSync(join(dir, `${name}.txt`), 'utf8');
      const match = /^Subject:[ \t]*(.+)\r?\n(?:\r?\n)?/.exec(plain);
      if (!match) throw new Error(`Mail template ${name}.txt must start with a "Subject: …" line`);
      this.templates.set(name, {
        subject: match[1].trim(),
        text: plain.slice(match[0].length),
        html: readFileSync(join(dir, `${name}.html`), 'utf8'),
      });
    }
  }

  render(name: MailTemplateName, values: Record<string, string>): RenderedBodies {
    const template = this.templates.get(name);
    if (!template) throw new Error(`Unknown mail template ${name}`);
    return {
      subject: fill(template.subject, values, (value) => value.replace(/[\r\n]+/g, ' ')),
      text: fill(template.text, values, (value) => value),
      html: fill(template.html, values, escapeHtml),
    };
  }
}

function fill(
  template: string,
  values: Record<string, string>,
  encode: (value: string) => string,
): string {
  return template.replace(PLACEHOLDER, (_whole, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`Mail template placeholder {{${key}}} has no value`);
    return encode(value);
  });
}

function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** "24 hours", "30 minutes": how long a link works, in the words of a mail. */
export function describeDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
  ];
  for (const [size, unit] of units) {
    if (ms >= size && ms % size === 0) {
      const count = ms / size;
      // 24 hours reads better than 1 day for a link's lifetime.
      if (unit === 'day' && count === 1) return '24 hours';
      return `${count} ${unit}${count === 1 ? '' : 's'}`;
    }
  }
  const minutes = Math.max(1, Math.round(ms / 60_000));
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
