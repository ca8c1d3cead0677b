import { createTransport, Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { OutboxStore } from './outbox.store';

/** A mail ready to go: addresses, bodies, and which links it carries (for the outbox only). */
export interface RenderedMail {
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  links: string[];
}

/** Where mails go: an SMTP server, or the development outbox. */
export interface MailTransport {
  deliver(mail: RenderedMail): Promise<void>;
  close?(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');

/**
 * nodemailer over SMTP (SMTP_URL: smtp:// with STARTTLS when offered, smtps:// for implicit TLS).
 * Timeouts keep a dead or stalled server from holding the queue for minutes; file and URL access
 * are off, since no mail here ever attaches anything.
 */
export class SmtpMailTransport implements MailTransport {
  private readonly transporter: Transporter<SMTPTransport.SentMessageInfo>;

  constructor(url: string) {
    this.transporter = createTransport({
      url,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      disableFileAccess: true,
      disableUrlAccess: true,
    } as SMTPTransport.Options);
  }

  async deliver(mail: RenderedMail): Promise<void> {
    await this.transporter.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
  }

  close(): void {
    this.transporter.close();
  }
}

/** Development without SMTP_URL: each mail becomes an .eml file in the outbox (GET /dev/outbox). */
export class OutboxMailTransport implements MailTransport {
  private readonly composer = createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'unix',
  });

  constructor(private readonly outbox: OutboxStore) {}

  async deliver(mail: RenderedMail): Promise<void> {
    const info = (await this.composer.sendMail({
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    })) as { message: Buffer };
    await this.outbox.save(info.message, {
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      links: mail.links,
    });
  }
}
