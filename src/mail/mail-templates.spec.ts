import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeDuration, MailTemplates } from './mail-templates';

describe('MailTemplates', () => {
  const templates = new MailTemplates();
  const values = {
    name: 'Ada <b>',
    link: 'https://x.test/#reset?token=abc&x=1',
    validFor: '30 minutes',
  };

  it('should take the subject from the first line of the plain-text template', () => {
    expect(templates.render('password-reset', values).subject).toBe('Reset your password');
  });

  it('should put values into the plain text as they are', () => {
    const { text } = templates.render('password-reset', values);
    expect(text).toContain('Hello Ada <b>,');
    expect(text).toContain(values.link);
    expect(text).not.toContain('Subject:');
  });

  it('should HTML-escape values in the HTML body', () => {
    const { html } = templates.render('password-reset', values);
    expect(html).toContain('Hello Ada &lt;b&gt;,');
    expect(html).toContain('href="https://x.test/#reset?token=abc&amp;x=1"');
  });

  it('should refuse to render a placeholder that has no value', () => {
    expect(() => templates.render('verify-email', { name: 'Ada', link: 'x' })).toThrow(
      '{{validFor}}',
    );
  });

  it('should refuse to start with a plain-text template that lacks its Subject line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'templates-'));
    for (const name of ['verify-email', 'password-reset']) {
      writeFileSync(join(dir, `${name}.txt`), 'Hello {{name}}');
      writeFileSync(join(dir, `${name}.html`), '<p>Hello</p>');
    }
    expect(() => new MailTemplates(dir)).toThrow('Subject');
  });

  it.each([
    [86_400_000, '24 hours'],
    [1_800_000, '30 minutes'],
    [7_200_000, '2 hours'],
    [172_800_000, '2 days'],
    [90_000, '2 minutes'],
  ])('should describe %p ms as %p', (ms, words) => {
    expect(describeDuration(ms)).toBe(words);
  });
});
