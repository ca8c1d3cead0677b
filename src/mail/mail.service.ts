import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { mailConfig } from '../config/mail.config';
import { MailTemplateName, MailTemplates } from './mail-templates';
import { MAIL_TRANSPORT, MailTransport, RenderedMail } from './mail-transport';

/** A mail to send: the template, its values, and the secrets it carries (never logged). */
export interface OutgoingMail {
  to: string;
  template: MailTemplateName;
  values: Record<string, string>;
  /** The links in the mail, listed by the development outbox. */
  links: string[];
  /** Strings that must never reach a log line (the token, the link). */
  secrets: string[];
}

/**
 * One unit of background mail work. `prepare` runs in the queue, in order, right before the
 * send: whatever it does (a lookup, issuing the token) is not part of any request's time or
 * transaction. It returns null when there is nothing to send.
 */
export interface MailJob {
  /** What kind of mail, for logs: never the address, the token or the link. */
  kind: string;
  prepare(): Promise<OutgoingMail | null>;
}

interface QueuedJob {
  id: number;
  job: MailJob;
  /** Failed deliveries so far. */
  failures: number;
  mail?: RenderedMail;
  secrets: string[];
}

/** The waits before the 2nd, 3rd and 4th delivery attempt; the 4th failure gives up. */
export const MAIL_RETRY_DELAYS = Symbol('MAIL_RETRY_DELAYS');
const DEFAULT_RETRY_DELAYS_MS = [5_000, 30_000, 120_000];
/** Jobs waiting at most; beyond that new mail is dropped with a warning, never memory without bound. */
const MAX_QUEUED = 10_000;
/** How long a shutdown waits for the mail being sent. */
const SHUTDOWN_WAIT_MS = 5_000;

/**
 * Mail in the background (../shared/API.md, "Account lifecycle (email)"): enqueue() returns at
 * once, so neither a slow nor a dead SMTP server slows or fails an HTTP answer. Jobs run one at a
 * time, in order; a failed delivery is retried with growing waits and then given up. Every log
 * line names the job by kind and number only: no address, no token, no link (error messages are
 * scrubbed of the job's secrets too). The queue is in memory: mails still queued when the process
 * stops are lost (and logged as such); the user asks again.
 */
@Injectable()
export class MailService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MailService.name);
  private readonly queue: QueuedJob[] = [];
  private readonly retryTimers = new Map<NodeJS.Timeout, QueuedJob>();
  private readonly idleWaiters: (() => void)[] = [];
  private running: Promise<void> | undefined;
  private nextId = 1;
  private closed = false;

  constructor(
    @Inject(mailConfig.KEY) private readonly config: ConfigType<typeof mailConfig>,
    private readonly templates: MailTemplates,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport | null,
    @Optional()
    @Inject(MAIL_RETRY_DELAYS)
    private readonly retryDelaysMs: number[] = DEFAULT_RETRY_DELAYS_MS,
  ) {}

  /** False in production without SMTP_URL: nothing can be sent at all. */
  get available(): boolean {
    return this.transport !== null;
  }

  onApplicationBootstrap(): void {
    if (!this.transport) {
      this.logger.warn(
        'SMTP_URL is not set: no mail is sent. Registration skips its verification mail; ' +
          'POST /auth/password/forgot and /auth/email/verify/resend answer 503 mail_unavailable.',
      );
    } else if (this.config.useOutbox) {
      this.logger.log(
        `SMTP_URL is not set: mails are written to ${this.config.outboxDir} (GET /dev/outbox)`,
      );
    }
  }

  /** Queues a job and returns at once. Without a transport the job is dropped unseen. */
  enqueue(job: MailJob): void {
    if (!this.transport || this.closed) return;
    if (this.queue.length >= MAX_QUEUED) {
      this.logger.warn(`Mail ${job.kind} dropped: ${MAX_QUEUED} mails are already waiting`);
      return;
    }
    this.queue.push({ id: this.nextId++, job, failures: 0, secrets: [] });
    this.pump();
  }

  /** Resolves once nothing is queued, being sent or waiting for a retry (tests, shutdown). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    const pending = this.queue.length + this.retryTimers.size;
    for (const timer of this.retryTimers.keys()) clearTimeout(timer);
    this.retryTimers.clear();
    this.queue.length = 0;
    if (pending > 0)
      this.logger.warn(`${pending} queued mail(s) not sent: the process is stopping`);
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running,
        new Promise((resolve) => {
          timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    }
    this.transport?.close?.();
    this.notifyIfIdle();
  }

  private pump(): void {
    if (this.running) return;
    this.running = (async () => {
      try {
        while (this.queue.length > 0 && !this.closed) await this.process(this.queue.shift()!);
      } finally {
        this.running = undefined;
        this.notifyIfIdle();
      }
    })();
  }

  private async process(queued: QueuedJob): Promise<void> {
    const name = `Mail ${queued.job.kind} #${queued.id}`;
    if (!queued.mail) {
      try {
        const outgoing = await queued.job.prepare();
        if (!outgoing) return;
        queued.secrets = outgoing.secrets;
        queued.mail = {
          from: this.config.from,
          to: outgoing.to,
          links: outgoing.links,
          ...this.templates.render(outgoing.template, outgoing.values),
        };
      } catch (error) {
        this.logger.error(`${name} not prepared: ${this.describe(error, queued.secrets)}`);
        return;
      }
    }
    try {
      await this.transport!.deliver(queued.mail);
      this.logger.log(`${name} sent`);
    } catch (error) {
      queued.failures += 1;
      const attempts = this.retryDelaysMs.length + 1;
      const reason = this.describe(error, queued.secrets);
      const delay = this.retryDelaysMs[queued.failures - 1];
      if (delay === undefined || this.closed) {
        this.logger.error(
          `${name} not delivered after ${queued.failures} attempt(s), given up: ${reason}`,
        );
        return;
      }
      this.logger.warn(
        `${name} not delivered (attempt ${queued.failures} of ${attempts}): ${reason}; ` +
          `retrying in ${Math.round(delay / 1000)} s`,
      );
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        this.queue.push(queued);
        this.pump();
      }, delay);
      timer.unref();
      this.retryTimers.set(timer, queued);
    }
  }

  /** An error's code and message, with every secret of the mail cut out. */
  private describe(error: unknown, secrets: string[]): string {
    // Duck-typed: errors from another realm (a worker, a VM context) fail `instanceof Error`.
    const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
    let text = typeof message === 'string' ? message : 'unknown error';
    // Longest first: the link contains the token, and must go as a whole.
    const longestFirst = [...secrets].sort((x, y) => y.length - x.length);
    for (const secret of longestFirst) if (secret) text = text.split(secret).join('[redacted]');
    // A reset or verification token is 43 base64url characters: whatever slipped through goes too.
    text = text.replace(/[A-Za-z0-9_-]{43,}/g, '[redacted]').slice(0, 300);
    return typeof code === 'string' ? `${code} ${text}` : text;
  }

  private isIdle(): boolean {
    return !this.running && this.queue.length === 0 && this.retryTimers.size === 0;
  }

  private notifyIfIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
