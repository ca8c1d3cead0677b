import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoggerService } from '@nestjs/common';
import { MailService } from '../src/mail/mail.service';
import {
  login,
  PASSWORD,
  refresh,
  registerUser,
  signedInUser,
  uniqueEmail,
} from './support/factories';
import { SmtpSink, tokenFrom } from './support/smtp-sink';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';

const NEW_PASSWORD = 'another horse battery staple';
const PUBLIC_URL = 'https://auth.example.test';
const FORGOT_BODY = { message: 'If an account exists for this address, a mail is on its way' };

/** ../shared/API.md, "Account lifecycle (email)": every mail goes through a real SMTP server. */
describe('Account lifecycle by email (../shared/API.md, "Account lifecycle (email)")', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await createTestApp({ SMTP_URL: sink.url, PUBLIC_URL, RATE_LIMIT_LOGIN_ACCOUNT: '3' });
    await resetDatabase(t.dataSource);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const verificationMail = (email: string) =>
    sink.mailTo(email, (mail) => mail.links.some((link) => link.includes('#verify?token=')));
  const resetMails = (email: string) =>
    sink.mailsTo(email).filter((mail) => mail.links.some((link) => link.includes('#reset?')));
  const nextResetMail = (email: string) => {
    const seen = resetMails(email).length;
    return sink.mailTo(
      email,
      (mail) =>
        mail.links.some((l) => l.includes('#reset?')) && resetMails(email).indexOf(mail) >= seen,
    );
  };
  const forgot = (email: string) => t.http().post('/auth/password/forgot').send({ email });
  const requestReset = async (email: string) => {
    const next = nextResetMail(email);
    await forgot(email).expect(202);
    return tokenFrom(await next, 'reset');
  };
  const auditTypes = async (userId: string): Promise<string[]> =>
    (
      await t.dataSource.query<{ type: string }[]>(
        'SELECT type FROM audit_events WHERE user_id = $1',
        [userId],
      )
    ).map((row) => row.type);

  describe('verification', () => {
    it('should register an unverified user and mail a #verify link to PUBLIC_URL, in plain text and HTML', async () => {
      const email = uniqueEmail('verify');
      const created = await t
        .http()
        .post('/auth/register')
        .send({ email, password: PASSWORD })
        .expect(201);
      expect(created.body.emailVerified).toBe(false);
      const mail = await verificationMail(email);
      expect(mail.links[0]).toMatch(
        new RegExp(`^${PUBLIC_URL.replace(/\./g, '\\.')}/#verify\\?token=[A-Za-z0-9_-]{43}$`),
      );
      expect(mail.html).toContain(mail.links[0]);
      expect(mail.subject).toBe('Confirm your email address');
    });

    it('should verify the address with the mailed token and record email_verified', async () => {
      const user = await registerUser(t);
      const token = tokenFrom(await verificationMail(user.email), 'verify');
      const verified = await t.http().post('/auth/email/verify').send({ token }).expect(200);
      expect(verified.body).toMatchObject({ id: user.id, emailVerified: true });
      const tokens = await login(t, user.email);
      const me = await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${tokens.accessToken}`)
        .expect(200);
      expect(me.body.emailVerified).toBe(true);
      expect(await auditTypes(user.id)).toContain('email_verified');
    });

    it('should refuse a verification token the second time with link_invalid', async () => {
      const user = await registerUser(t);
      const token = tokenFrom(await verificationMail(user.email), 'verify');
      await t.http().post('/auth/email/verify').send({ token }).expect(200);
      const again = await t.http().post('/auth/email/verify').send({ token }).expect(400);
      expect(again.body.code).toBe('link_invalid');
    });

    it('should refuse a malformed or unknown token with link_invalid', async () => {
      for (const token of ['nope', 'A'.repeat(43)]) {
        const refused = await t.http().post('/auth/email/verify').send({ token }).expect(400);
        expect(refused.body.code).toBe('link_invalid');
      }
    });

    it('should resend a verification mail whose link voids the older one', async () => {
      const user = await signedInUser(t);
      const first = tokenFrom(await verificationMail(user.email), 'verify');
      await t
        .http()
        .post('/auth/email/verify/resend')
        .set('Authorization', user.bearer)
        .expect(202);
      const second = tokenFrom(
        await sink.mailTo(user.email, (mail) => !mail.links.some((l) => l.includes(first))),
        'verify',
      );
      const old = await t.http().post('/auth/email/verify').send({ token: first }).expect(400);
      expect(old.body.code).toBe('link_invalid');
      await t.http().post('/auth/email/verify').send({ token: second }).expect(200);
    });

    it('should answer 429 with Retry-After to the fourth resend within an hour', async () => {
      const user = await signedInUser(t);
      for (let i = 0; i < 3; i += 1) {
        await t
          .http()
          .post('/auth/email/verify/resend')
          .set('Authorization', user.bearer)
          .expect(202);
      }
      const limited = await t
        .http()
        .post('/auth/email/verify/resend')
        .set('Authorization', user.bearer)
        .expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    });
  });

  describe('forgot / reset', () => {
    it('should reset the password: every old access and refresh token refused, the new password logs in', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      const token = await requestReset(user.email);

      await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: NEW_PASSWORD })
        .expect(204);

      for (const pair of [user.tokens, other]) {
        const me = await t
          .http()
          .get('/auth/me')
          .set('Authorization', `Bearer ${pair.accessToken}`)
          .expect(401);
        expect(me.body.code).toBe('session_revoked');
        await refresh(t, pair.refreshToken).expect(401);
      }
      await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(401);
      await login(t, user.email, NEW_PASSWORD);
      expect(await auditTypes(user.id)).toEqual(
        expect.arrayContaining(['password_reset_requested', 'password_reset']),
      );
    });

    it('should mark the address verified by a reset', async () => {
      const user = await registerUser(t);
      const token = await requestReset(user.email);
      await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: NEW_PASSWORD })
        .expect(204);
      const tokens = await login(t, user.email, NEW_PASSWORD);
      const me = await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${tokens.accessToken}`)
        .expect(200);
      expect(me.body.emailVerified).toBe(true);
    });

    it('should lift the login lock', async () => {
      const user = await registerUser(t);
      for (let i = 0; i < 3; i += 1) {
        await t.http().post('/auth/login').send({ email: user.email, password: 'wrong password' });
      }
      await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(429);
      const token = await requestReset(user.email);
      await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: NEW_PASSWORD })
        .expect(204);
      await login(t, user.email, NEW_PASSWORD);
    });

    it('should answer an unknown address with the same 202 and body, and send it nothing', async () => {
      const known = await registerUser(t);
      const unknown = uniqueEmail('nobody');
      const forUnknown = await forgot(unknown).expect(202);
      const next = nextResetMail(known.email);
      const forKnown = await forgot(known.email).expect(202);
      expect(forUnknown.body).toEqual(FORGOT_BODY);
      expect(forKnown.body).toEqual(forUnknown.body);
      // The queue runs in order: once the known address has its mail, the unknown one's job is done.
      await next;
      await t.app.get(MailService).whenIdle();
      expect(sink.mailsTo(unknown)).toEqual([]);
    });

    it('should send at most 3 reset mails an hour per address, still answering 202', async () => {
      const user = await registerUser(t);
      for (let i = 0; i < 5; i += 1) await forgot(user.email).expect(202);
      await t.app.get(MailService).whenIdle();
      expect(resetMails(user.email)).toHaveLength(3);
    });

    it('should refuse a reset token used twice with link_invalid', async () => {
      const user = await registerUser(t);
      const token = await requestReset(user.email);
      await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: NEW_PASSWORD })
        .expect(204);
      const again = await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: 'a third horse battery staple' })
        .expect(400);
      expect(again.body.code).toBe('link_invalid');
      await login(t, user.email, NEW_PASSWORD);
    });

    it('should refuse a reset token once a newer one was issued, with link_invalid', async () => {
      const user = await registerUser(t);
      const older = await requestReset(user.email);
      const newer = await requestReset(user.email);
      const refused = await t
        .http()
        .post('/auth/password/reset')
        .send({ token: older, password: NEW_PASSWORD })
        .expect(400);
      expect(refused.body.code).toBe('link_invalid');
      await t
        .http()
        .post('/auth/password/reset')
        .send({ token: newer, password: NEW_PASSWORD })
        .expect(204);
    });

    it('should refuse an expired reset token with link_expired, and keep the password', async () => {
      const user = await registerUser(t);
      const token = await requestReset(user.email);
      await t.dataSource.query(
        `UPDATE email_tokens SET expires_at = now() - interval '1 second'
          WHERE user_id = $1 AND kind = 'password_reset'`,
        [user.id],
      );
      const refused = await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: NEW_PASSWORD })
        .expect(400);
      expect(refused.body.code).toBe('link_expired');
      await login(t, user.email, PASSWORD);
    });

    it('should refuse a new password outside the register rules with 400', async () => {
      const user = await registerUser(t);
      const token = await requestReset(user.email);
      await t.http().post('/auth/password/reset').send({ token, password: 'short' }).expect(400);
      await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: 'é'.repeat(40) })
        .expect(400);
    });

    it('should answer forgot in about the same time whether or not the account exists', async () => {
      // Medians of many alternating requests, compared by ratio: no absolute threshold to flake on.
      const existing = await Promise.all([0, 1, 2, 3, 4].map(() => registerUser(t)));
      const timed = async (email: string) => {
        const started = process.hrtime.bigint();
        await forgot(email).expect(202);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let round = 0; round < 6; round += 1) {
        for (const user of existing) {
          known.push(await timed(user.email));
          unknown.push(await timed(uniqueEmail('absent')));
        }
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
      const ratio = median(known) / median(unknown);
      expect(ratio).toBeGreaterThan(1 / 3);
      expect(ratio).toBeLessThan(3);
      await t.app.get(MailService).whenIdle();
    });
  });

  describe('change password', () => {
    it('should keep the calling session with a new pair and revoke every other session', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      const changed = await t
        .http()
        .post('/auth/password/change')
        .set('Authorization', user.bearer)
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(200);
      expect(changed.headers['cache-control']).toBe('no-store');
      const pair = changed.body as { accessToken: string; refreshToken: string };

      await t.http().get('/auth/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(200);
      await refresh(t, pair.refreshToken).expect(200);
      // The calling session's old refresh token was replaced by the new one.
      await refresh(t, user.tokens.refreshToken).expect(401);
      const otherMe = await t
        .http()
        .get('/auth/me')
        .set('Authorization', `Bearer ${other.accessToken}`)
        .expect(401);
      expect(otherMe.body.code).toBe('session_revoked');
      await refresh(t, other.refreshToken).expect(401);
      await login(t, user.email, NEW_PASSWORD);
      expect(await auditTypes(user.id)).toContain('password_changed');
    });

    it('should refuse a wrong current password with 401 invalid_credentials, counted as a failed login', async () => {
      const user = await signedInUser(t);
      const refused = await t
        .http()
        .post('/auth/password/change')
        .set('Authorization', user.bearer)
        .send({ currentPassword: 'wrong password', newPassword: NEW_PASSWORD })
        .expect(401);
      expect(refused.body.code).toBe('invalid_credentials');
      expect(await auditTypes(user.id)).toContain('login_failed');
      await login(t, user.email, PASSWORD);
    });

    it('should void outstanding reset links', async () => {
      const user = await signedInUser(t);
      const token = await requestReset(user.email);
      await t
        .http()
        .post('/auth/password/change')
        .set('Authorization', user.bearer)
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(200);
      const refused = await t
        .http()
        .post('/auth/password/reset')
        .send({ token, password: 'a third horse battery staple' })
        .expect(400);
      expect(refused.body.code).toBe('link_invalid');
    });

    it('should answer as a browser-mode login with ?mode=cookie', async () => {
      const user = await signedInUser(t);
      const changed = await t
        .http()
        .post('/auth/password/change?mode=cookie')
        .set('Authorization', user.bearer)
        .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
        .expect(200);
      expect(changed.body.csrfToken).toEqual(expect.any(String));
      expect(changed.body.refreshToken).toBeUndefined();
      expect(String(changed.headers['set-cookie'])).toContain('refresh_token=');
    });
  });

  describe('DELETE /auth/me', () => {
    it('should delete the account and refuse every token of it at once', async () => {
      const user = await signedInUser(t);
      const other = await login(t, user.email);
      await t
        .http()
        .delete('/auth/me')
        .set('Authorization', user.bearer)
        .send({ password: PASSWORD })
        .expect(204);
      for (const pair of [user.tokens, other]) {
        await t
          .http()
          .get('/auth/me')
          .set('Authorization', `Bearer ${pair.accessToken}`)
          .expect(401);
        await refresh(t, pair.refreshToken).expect(401);
      }
      await t
        .http()
        .post('/auth/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(401);
      expect(await auditTypes(user.id)).toContain('account_deleted');
    });

    it('should refuse a wrong password with 401 invalid_credentials and delete nothing', async () => {
      const user = await signedInUser(t);
      const refused = await t
        .http()
        .delete('/auth/me')
        .set('Authorization', user.bearer)
        .send({ password: 'wrong password' })
        .expect(401);
      expect(refused.body.code).toBe('invalid_credentials');
      await t.http().get('/auth/me').set('Authorization', user.bearer).expect(200);
    });
  });
});

describe('REQUIRE_VERIFIED_EMAIL=true', () => {
  let sink: SmtpSink;
  let t: TestApp;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await createTestApp({ SMTP_URL: sink.url, REQUIRE_VERIFIED_EMAIL: 'true' });
    await resetDatabase(t.dataSource);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('should refuse a correct login of an unverified address with 403 email_unverified and no tokens', async () => {
    const user = await registerUser(t);
    const refused = await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(403);
    expect(refused.body.code).toBe('email_unverified');
    expect(refused.body.accessToken).toBeUndefined();
  });

  it('should answer a wrong password of an unverified address with 401, not 403', async () => {
    const user = await registerUser(t);
    const refused = await t
      .http()
      .post('/auth/login')
      .send({ email: user.email, password: 'wrong password' })
      .expect(401);
    expect(refused.body.code).toBe('invalid_credentials');
  });

  it('should log the user in once the address is verified', async () => {
    const user = await registerUser(t);
    const mail = await sink.mailTo(user.email);
    await t
      .http()
      .post('/auth/email/verify')
      .send({ token: tokenFrom(mail, 'verify') })
      .expect(200);
    await login(t, user.email);
  });
});

describe('Mail that cannot be delivered', () => {
  let t: TestApp;
  let lines: string[];
  let closedPort: number;

  beforeAll(async () => {
    // A port that was just free: connections to it are refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
    lines = [];
    const record = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
    const logger: LoggerService = { log: record, warn: record, error: record, debug: record };
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${closedPort}` }, { logger });
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  it('should answer forgot 202 and log the failed delivery without the token or the link', async () => {
    const user = await registerUser(t);
    await t.http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
    const deadline = Date.now() + 10_000;
    while (!lines.some((line) => /password-reset #\d+ not delivered/.test(line))) {
      if (Date.now() > deadline)
        throw new Error(`no delivery failure logged:\n${lines.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const issued = await t.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM email_tokens WHERE user_id = $1 AND kind = 'password_reset'`,
      [user.id],
    );
    expect(issued[0].n).toBe(1);
    const text = lines.join('\n');
    expect(text).toContain('ECONNREFUSED');
    expect(text).not.toMatch(/token=|#reset|[A-Za-z0-9_-]{43}/);
    expect(text).not.toContain(user.email);
  });
});

describe('A stalled SMTP server', () => {
  let t: TestApp;
  let server: Server;
  const connections: Socket[] = [];

  beforeAll(async () => {
    // Accepts connections and never says a word: the mail hangs until nodemailer's timeout.
    server = createServer((socket) => connections.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    t = await createTestApp({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    await resetDatabase(t.dataSource);
  });
  afterAll(async () => {
    for (const socket of connections) socket.destroy();
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('should answer forgot while the mail is still stuck on the server', async () => {
    const user = await registerUser(t);
    // Wait until the registration mail holds a connection, so the SMTP server is the bottleneck.
    const deadline = Date.now() + 10_000;
    while (connections.length === 0) {
      if (Date.now() > deadline) throw new Error('the mail never reached the SMTP server');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await t.http().post('/auth/password/forgot').send({ email: user.email }).expect(202);
    // The answer came while the only delivery so far is still hanging on its connection.
    expect(connections.every((socket) => !socket.destroyed)).toBe(true);
  });
});

describe('The development outbox (no SMTP_URL outside production)', () => {
  let t: TestApp;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'outbox-'));
    t = await createTestApp({ SMTP_URL: undefined, DATA_DIR: dataDir });
    await resetDatabase(t.dataSource);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('should write each mail as an .eml file and list it at GET /dev/outbox, newest first', async () => {
    const first = await registerUser(t);
    const second = await registerUser(t);
    await t.app.get(MailService).whenIdle();
    const listed = await t.http().get('/dev/outbox').expect(200);
    expect(listed.body.map((mail: { to: string }) => mail.to)).toEqual([second.email, first.email]);
    expect(listed.body[0]).toMatchObject({
      subject: 'Confirm your email address',
      links: [expect.stringMatching(/^http:\/\/localhost:\d+\/#verify\?token=[\w-]{43}$/)],
      createdAt: expect.any(String),
    });
    const files = readdirSync(join(dataDir, 'outbox')).filter((name) => name.endsWith('.eml'));
    expect(files).toHaveLength(2);
  });

  it('should verify with the link from the outbox', async () => {
    const user = await registerUser(t);
    await t.app.get(MailService).whenIdle();
    const listed = await t.http().get('/dev/outbox').expect(200);
    const mail = listed.body.find((entry: { to: string }) => entry.to === user.email);
    const token = /token=([\w-]+)$/.exec(mail.links[0])![1];
    await t.http().post('/auth/email/verify').send({ token }).expect(200);
  });
});

describe('Production without SMTP_URL', () => {
  let t: TestApp;
  let lines: string[];

  beforeAll(async () => {
    lines = [];
    const record = (...parts: unknown[]) => lines.push(parts.map(String).join(' '));
    const logger: LoggerService = { log: record, warn: record, error: record, debug: record };
    t = await createTestApp(
      {
        NODE_ENV: 'production',
        SMTP_URL: undefined,
        BCRYPT_COST: '10',
        DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      },
      { logger },
    );
    await resetDatabase(t.dataSource);
  });
  afterAll(() => t.close());

  it('should start with one warning that no mail is sent', () => {
    expect(lines.filter((line) => line.includes('SMTP_URL is not set'))).toHaveLength(1);
  });

  it('should still register (skipping the verification mail)', async () => {
    const created = await t
      .http()
      .post('/auth/register')
      .send({ email: uniqueEmail(), password: PASSWORD })
      .expect(201);
    expect(created.body.emailVerified).toBe(false);
  });

  it('should answer forgot and verify/resend with 503 mail_unavailable', async () => {
    const user = await signedInUser(t);
    const forgot = await t
      .http()
      .post('/auth/password/forgot')
      .send({ email: user.email })
      .expect(503);
    expect(forgot.body.code).toBe('mail_unavailable');
    const resend = await t
      .http()
      .post('/auth/email/verify/resend')
      .set('Authorization', user.bearer)
      .expect(503);
    expect(resend.body.code).toBe('mail_unavailable');
  });
});
