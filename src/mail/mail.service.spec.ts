import { Logger } from '@nestjs/common';
import { MailConfig } from '../config/mail.config';
import { MailTemplates } from './mail-templates';
import { MailTransport, RenderedMail } from './mail-transport';
import { MailJob, MailService } from './mail.service';

const TOKEN = 'T'.repeat(43);
const LINK = `https://x.test/#reset?token=${TOKEN}`;

function job(kind = 'password-reset', to = 'ada@example.com'): MailJob {
  return {
    kind,
    prepare: () =>
      Promise.resolve({
        to,
        template: 'password-reset',
        values: { name: 'Ada', link: LINK, validFor: '30 minutes' },
        links: [LINK],
        secrets: [TOKEN, LINK],
      }),
  };
}

describe('MailService', () => {
  const config = { from: 'me <me@x.test>', useOutbox: false, outboxDir: '/x' } as MailConfig;
  let lines: string[];

  beforeEach(() => {
    lines = [];
    for (const level of ['log', 'warn', 'error'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        lines.push(String(args[0]));
      });
    }
  });
  afterEach(() => jest.restoreAllMocks());

  const service = (transport: MailTransport | null, delays = [1, 1, 1]) =>
    new MailService(config, new MailTemplates(), transport, delays);

  it('should return from enqueue before the mail is delivered', () => {
    const deliver = jest.fn(() => new Promise<void>(() => undefined));
    service({ deliver }).enqueue(job());
    expect(deliver).not.toHaveBeenCalled();
  });

  it('should deliver jobs one at a time, in the order they were queued', async () => {
    const order: string[] = [];
    const mail = service({
      deliver: (rendered: RenderedMail) => {
        order.push(rendered.to);
        return Promise.resolve();
      },
    });
    for (const to of ['a@x.test', 'b@x.test', 'c@x.test']) mail.enqueue(job('k', to));
    await mail.whenIdle();
    expect(order).toEqual(['a@x.test', 'b@x.test', 'c@x.test']);
  });

  it('should retry a failed delivery and succeed on a later attempt', async () => {
    const deliver = jest
      .fn()
      .mockRejectedValueOnce(new Error('connect ECONNREFUSED'))
      .mockResolvedValueOnce(undefined);
    const mail = service({ deliver });
    mail.enqueue(job());
    await mail.whenIdle();
    expect(deliver).toHaveBeenCalledTimes(2);
    expect(lines.some((line) => line.endsWith('sent'))).toBe(true);
  });

  it('should give up after the last retry', async () => {
    const deliver = jest.fn().mockRejectedValue(new Error('down'));
    const mail = service({ deliver });
    mail.enqueue(job());
    await mail.whenIdle();
    expect(deliver).toHaveBeenCalledTimes(4);
    expect(lines.some((line) => line.includes('given up'))).toBe(true);
  });

  it('should log failures without the token, the link or the address, even when the error quotes them', async () => {
    const deliver = jest.fn().mockRejectedValue(new Error(`550 rejected ${LINK} for ${TOKEN}`));
    const mail = service({ deliver });
    mail.enqueue(job());
    await mail.whenIdle();
    const text = lines.join('\n');
    expect(text).toContain('550 rejected');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain('#reset');
    expect(text).not.toContain('ada@example.com');
  });

  it('should drop jobs without a transport (production without SMTP_URL)', async () => {
    const prepare = jest.fn();
    const mail = service(null);
    expect(mail.available).toBe(false);
    mail.enqueue({ kind: 'k', prepare });
    await mail.whenIdle();
    expect(prepare).not.toHaveBeenCalled();
  });
});
