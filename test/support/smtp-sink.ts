import { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Every http(s) link in the plain-text body. */
  links: string[];
}

/**
 * A real SMTP server on a loopback port (the `smtp-server` package), parsing what it receives with
 * `mailparser`: the e2e suites send their mail through it exactly as through a provider's server.
 * No TLS and no authentication: it is reached as smtp://127.0.0.1:<port>.
 */
export class SmtpSink {
  readonly received: ReceivedMail[] = [];
  private readonly waiters: {
    match: (mail: ReceivedMail) => boolean;
    resolve: (mail: ReceivedMail) => void;
  }[] = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly url: string,
  ) {}

  static async start(): Promise<SmtpSink> {
    // onData needs the sink, which needs the server: filled in once both exist.
    const holder: { sink?: SmtpSink } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then((parsed) => {
            const to = [parsed.to ?? []]
              .flat()
              .flatMap((address) => address.value.map((entry) => entry.address ?? ''));
            const text = parsed.text ?? '';
            holder.sink!.deliver({
              to,
              from: parsed.from?.text ?? '',
              subject: parsed.subject ?? '',
              text,
              html: typeof parsed.html === 'string' ? parsed.html : '',
              links: text.match(/https?:\/\/\S+/g) ?? [],
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.server.address() as AddressInfo;
    holder.sink = new SmtpSink(server, `smtp://127.0.0.1:${port}`);
    return holder.sink;
  }

  /** The first mail (received or still to come) to `address` that `match` accepts. */
  mailTo(
    address: string,
    match: (mail: ReceivedMail) => boolean = () => true,
    timeoutMs = 10_000,
  ): Promise<ReceivedMail> {
    const accept = (mail: ReceivedMail) => mail.to.includes(address.toLowerCase()) && match(mail);
    const already = this.received.find(accept);
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no mail to ${address} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.push({
        match: accept,
        resolve: (mail) => {
          clearTimeout(timer);
          resolve(mail);
        },
      });
    });
  }

  /** Mails received so far to `address`. */
  mailsTo(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to.includes(address.toLowerCase()));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private deliver(mail: ReceivedMail): void {
    this.received.push(mail);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(mail)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(mail);
      }
    }
  }
}

/** The token of a `#<action>?token=…` link in a mail. */
export function tokenFrom(mail: ReceivedMail, action: 'verify' | 'reset'): string {
  for (const link of mail.links) {
    const match = new RegExp(`#${action}\\?token=([A-Za-z0-9_-]+)$`).exec(link);
    if (match) return match[1];
  }
  throw new Error(`no #${action} link in the mail "${mail.subject}"`);
}
