import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { Secret } from 'otpauth';
import { ensureBuilt, freePort, Instance, startInstance } from '../support/instance';
import { totpCode } from '../support/mfa';
import { SmtpSink, tokenFrom } from '../support/smtp-sink';

interface TokenBody {
  accessToken: string;
  refreshToken?: string;
  csrfToken?: string;
  mfaToken?: string;
}

/**
 * ../shared/API.md: no password, token, hash or signing key in a log line or the database.
 *
 * The logs searched are the ones production writes: the built app as a process (node
 * dist/main.js, NODE_ENV=production, its JSON logs on stdout and stderr), not an in-process app
 * whose logger a test may silence. It runs at LOG_LEVEL=trace, which writes everything `info`
 * (the default) writes and more, so a secret that an operator's `debug` would reveal is found too.
 * It goes through the whole flow, failures and the browser (cookie) mode included; then every
 * line it wrote, and every table it wrote to, is searched.
 */
describe('Security: no secrets in what production logs or stores', () => {
  const databaseUrl = process.env.E2E_DATABASE_URL!;
  const secret = randomBytes(48).toString('base64url');
  const dataEncryptionKey = randomBytes(32).toString('hex');
  const metricsToken = randomBytes(24).toString('hex');
  const mfaEmail = `no-secrets-mfa-${randomBytes(4).toString('hex')}@example.com`;
  /** The TOTP secret (in each spelling) and the recovery codes: shown once, stored never. */
  const mfaSecrets: [string, string][] = [];
  const password = `Pa55-${randomBytes(8).toString('hex')}`;
  const wrongPassword = `Wrong-${randomBytes(8).toString('hex')}`;
  const email = `no-secrets-${randomBytes(4).toString('hex')}@example.com`;
  const lifecycleEmail = `no-secrets-mail-${randomBytes(4).toString('hex')}@example.com`;
  /** Passwords set by a reset and by a change, and the tokens and links the mails carried. */
  const resetPassword = `Reset-${randomBytes(8).toString('hex')}`;
  const changedPassword = `Changed-${randomBytes(8).toString('hex')}`;
  const mailSecrets: [string, string][] = [];
  let sink: SmtpSink;
  /** Every token the app handed out or took in: access, refresh, CSRF. */
  const issued: string[] = [];
  /** One per request of the flow, sent as X-Request-Id: each must show up in the logs. */
  const requestIds: string[] = [];
  /** Cookies as a browser would keep them (in production: __Secure-refresh_token, __Host-csrf_token). */
  const jar = new Map<string, string>();
  let instance: Instance;
  let lines: string[] = [];
  let storedHashes: string[] = [];
  let dump = '';

  async function call(
    method: string,
    path: string,
    options: {
      body?: unknown;
      raw?: string;
      bearer?: string;
      cookies?: boolean;
      csrf?: string;
    } = {},
  ): Promise<{ status: number; body: unknown }> {
    const requestId = `no-secrets-${requestIds.length + 1}`;
    requestIds.push(requestId);
    const headers: Record<string, string> = { 'X-Request-Id': requestId };
    if (options.body !== undefined || options.raw !== undefined)
      headers['Content-Type'] = 'application/json';
    if (options.bearer) headers.Authorization = `Bearer ${options.bearer}`;
    if (options.cookies) {
      headers.Cookie = [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
      headers.Origin = instance.url;
    }
    if (options.csrf !== undefined) headers['X-CSRF-Token'] = options.csrf;
    const response = await fetch(`${instance.url}${path}`, {
      method,
      headers,
      body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value) jar.set(name, value);
      else jar.delete(name);
    }
    const text = await response.text();
    const body: unknown = text.startsWith('{') ? JSON.parse(text) : text;
    if (body && typeof body === 'object') {
      const tokens = body as Partial<TokenBody>;
      for (const token of [
        tokens.accessToken,
        tokens.refreshToken,
        tokens.csrfToken,
        tokens.mfaToken,
      ])
        if (token) issued.push(token);
    }
    for (const value of jar.values()) if (!issued.includes(value)) issued.push(value);
    return { status: response.status, body };
  }

  const expectStatus = async (
    pending: Promise<{ status: number; body: unknown }>,
    status: number,
  ) => {
    const response = await pending;
    expect({ status: response.status, body: response.body }).toMatchObject({ status });
    return response.body as TokenBody;
  };
  const csrfCookie = () => [...jar].find(([name]) => name.endsWith('csrf_token'))?.[1] ?? '';

  beforeAll(async () => {
    ensureBuilt();
    sink = await SmtpSink.start();
    instance = await startInstance(
      {
        SMTP_URL: sink.url,
        PUBLIC_URL: 'https://auth.example.test',
        NODE_ENV: 'production',
        LOG_LEVEL: 'trace',
        JWT_SECRET: secret,
        DATA_ENCRYPTION_KEY: dataEncryptionKey,
        METRICS_TOKEN: metricsToken,
        DATABASE_URL: databaseUrl,
        BCRYPT_COST: '10',
        RATE_LIMIT_LOGIN_ACCOUNT: '2',
        REFRESH_REUSE_GRACE: '0s',
      },
      await freePort(),
    );
    const database = new Client({ connectionString: databaseUrl });
    await database.connect();
    try {
      await driveTheFlow(database);
      await searchTheTables(database);
    } finally {
      await database.end();
    }
  }, 120_000);

  async function driveTheFlow(database: Client) {
    try {
      // Each spec file starts from empty tables (the instance has run the migrations by now).
      await database.query(
        'TRUNCATE users, sessions, rotated_refresh_tokens, products, audit_events, user_mfa, mfa_recovery_codes, mfa_challenges, email_tokens CASCADE',
      );

      // Bearer mode, failures included.
      await expectStatus(call('POST', '/auth/register', { body: { email, password } }), 201);
      await expectStatus(
        call('POST', '/auth/login', { body: { email, password: wrongPassword } }),
        401,
      );
      await expectStatus(
        call('POST', '/auth/login', { body: { email: `x-${email}`, password } }),
        401,
      );
      const first = await expectStatus(
        call('POST', '/auth/login', { body: { email, password } }),
        200,
      );
      const second = await expectStatus(
        call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } }),
        200,
      );
      // Reuse: revokes the session, and is logged and audited.
      await expectStatus(
        call('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } }),
        401,
      );
      await expectStatus(call('GET', '/auth/me', { bearer: second.accessToken }), 401);
      const third = await expectStatus(
        call('POST', '/auth/login', { body: { email, password } }),
        200,
      );
      await expectStatus(
        call('GET', `/auth/me?access_token=${third.accessToken}`, { bearer: third.accessToken }),
        200,
      );
      await expectStatus(call('GET', '/auth/me', { bearer: `${third.accessToken}x` }), 401);
      await expectStatus(call('GET', '/products', { bearer: `${password}.${secret}.x` }), 401);
      await expectStatus(
        call('POST', '/auth/register', { raw: `{"email":"${email}","password":"${password}",` }),
        400,
      );
      await expectStatus(call('POST', '/auth/register', { body: { email, password } }), 409);
      await expectStatus(
        call('POST', '/auth/register', {
          body: { email: `long-${email}`, password: `${password}${'x'.repeat(80)}` },
        }),
        400,
      );
      const fromQuery = await call('POST', `/auth/login?password=${encodeURIComponent(password)}`, {
        body: { email, password: '' },
      });
      expect([400, 401]).toContain(fromQuery.status);
      await expectStatus(
        call('POST', '/auth/refresh', { body: { refreshToken: 'x'.repeat(43) } }),
        401,
      );

      // Browser mode: the refresh token in a cookie, a CSRF token to echo.
      await expectStatus(
        call('POST', '/auth/login?mode=cookie', { body: { email, password } }),
        200,
      );
      expect([...jar.keys()].sort()).toEqual(['__Host-csrf_token', '__Secure-refresh_token']);
      await expectStatus(call('POST', '/auth/refresh', { body: {}, cookies: true }), 403);
      await expectStatus(
        call('POST', '/auth/refresh', { body: {}, cookies: true, csrf: `${csrfCookie()}x` }),
        403,
      );
      const stale = jar.get('__Secure-refresh_token')!;
      await expectStatus(
        call('POST', '/auth/refresh', { body: {}, cookies: true, csrf: csrfCookie() }),
        200,
      );
      await expectStatus(
        call('POST', '/auth/logout', { body: {}, cookies: true, csrf: csrfCookie() }),
        204,
      );
      await expectStatus(call('POST', '/auth/refresh', { body: { refreshToken: stale } }), 401);

      await driveTheMfaFlow();
      await driveTheLifecycleFlow();

      // A Prometheus scrape, and a probe with a wrong token: neither may log the token.
      await expectStatus(call('GET', '/metrics', { bearer: metricsToken }), 200);
      await expectStatus(call('GET', '/metrics', { bearer: `${metricsToken.slice(1)}x` }), 404);

      // The account lock: two failures, then 429.
      for (const status of [401, 401, 429])
        await expectStatus(
          call('POST', '/auth/login', { body: { email, password: wrongPassword } }),
          status,
        );
      await expectStatus(
        call('POST', '/auth/logout', { body: { refreshToken: third.refreshToken } }),
        204,
      );
      await expectStatus(
        call('POST', '/auth/logout', { body: { refreshToken: third.refreshToken } }),
        401,
      );
    } finally {
      // Stopped before searching, so the shutdown lines are searched too.
      await instance.stop();
      lines = instance.lines;
    }
  }

  /** Each mail's token and link, as secrets to search for. */
  function keepMailSecrets(
    mail: Awaited<ReturnType<SmtpSink['mailTo']>>,
    action: 'verify' | 'reset',
  ) {
    const token = tokenFrom(mail, action);
    mailSecrets.push([`the ${action} token`, token], [`the ${action} link`, mail.links[0]]);
    return token;
  }

  /**
   * The account lifecycle by email (another account): verify, forgot (an unknown address too),
   * reset, change, delete; and one reset link left unused, so its hash is in the table searched.
   */
  async function driveTheLifecycleFlow() {
    const isReset = (mail: { links: string[] }) => mail.links.some((l) => l.includes('#reset?'));
    await expectStatus(
      call('POST', '/auth/register', { body: { email: lifecycleEmail, password } }),
      201,
    );
    const verifyToken = keepMailSecrets(await sink.mailTo(lifecycleEmail), 'verify');
    await expectStatus(call('POST', '/auth/email/verify', { body: { token: verifyToken } }), 200);
    await expectStatus(
      call('POST', '/auth/password/forgot', { body: { email: `absent-${lifecycleEmail}` } }),
      202,
    );
    await expectStatus(
      call('POST', '/auth/password/forgot', { body: { email: lifecycleEmail } }),
      202,
    );
    const resetToken = keepMailSecrets(await sink.mailTo(lifecycleEmail, isReset), 'reset');
    await expectStatus(
      call('POST', '/auth/password/reset', {
        body: { token: resetToken, password: resetPassword },
      }),
      204,
    );
    await expectStatus(
      call('POST', '/auth/password/reset', {
        body: { token: resetToken, password: resetPassword },
      }),
      400,
    );
    const signedIn = await expectStatus(
      call('POST', '/auth/login', { body: { email: lifecycleEmail, password: resetPassword } }),
      200,
    );
    await expectStatus(
      call('POST', '/auth/password/change', {
        bearer: signedIn.accessToken,
        body: { currentPassword: resetPassword, newPassword: changedPassword },
      }),
      200,
    );
    const again = await expectStatus(
      call('POST', '/auth/login', { body: { email: lifecycleEmail, password: changedPassword } }),
      200,
    );
    await expectStatus(
      call('DELETE', '/auth/me', {
        bearer: again.accessToken,
        body: { password: changedPassword },
      }),
      204,
    );
    // Left unused: the table keeps its hash until the user asks again or resets.
    await expectStatus(call('POST', '/auth/password/forgot', { body: { email } }), 202);
    keepMailSecrets(await sink.mailTo(email, isReset), 'reset');
  }

  /** TOTP enrolment, logins with a code and a recovery code, and a wrong code (another account). */
  async function driveTheMfaFlow() {
    await expectStatus(
      call('POST', '/auth/register', { body: { email: mfaEmail, password } }),
      201,
    );
    const signedIn = await expectStatus(
      call('POST', '/auth/login', { body: { email: mfaEmail, password } }),
      200,
    );
    const setup = (await expectStatus(
      call('POST', '/auth/mfa/totp/setup', { bearer: signedIn.accessToken }),
      200,
    )) as unknown as { secret: string; otpauthUrl: string };
    const raw = Buffer.from(Secret.fromBase32(setup.secret).bytes);
    mfaSecrets.push(
      ['the TOTP secret', setup.secret],
      ['the TOTP secret (hex)', raw.toString('hex')],
      ['the TOTP secret (base64)', raw.toString('base64')],
      ['the otpauth URL', setup.otpauthUrl],
    );
    const confirmed = (await expectStatus(
      call('POST', '/auth/mfa/totp/confirm', {
        bearer: signedIn.accessToken,
        body: { code: totpCode(setup.secret) },
      }),
      200,
    )) as unknown as { recoveryCodes: string[] };
    for (const [i, code] of confirmed.recoveryCodes.entries()) {
      mfaSecrets.push(
        [`recovery code #${i}`, code],
        [`recovery code #${i}`, code.replace(/-/g, '')],
      );
    }
    const challenge = async () =>
      (
        await expectStatus(
          call('POST', '/auth/login', { body: { email: mfaEmail, password } }),
          200,
        )
      ).mfaToken!;
    await expectStatus(
      call('POST', '/auth/mfa/verify', {
        body: { mfaToken: await challenge(), code: totpCode(setup.secret, 1) },
      }),
      200,
    );
    await expectStatus(
      call('POST', '/auth/mfa/verify?mode=cookie', {
        body: { mfaToken: await challenge(), recoveryCode: confirmed.recoveryCodes[0] },
      }),
      200,
    );
    await expectStatus(
      call('POST', '/auth/mfa/verify', {
        body: { mfaToken: await challenge(), code: totpCode(setup.secret, 1) },
      }),
      401,
    );
  }

  async function searchTheTables(database: Client) {
    const tables = await database.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`,
    );
    const rows: Record<string, unknown>[] = [];
    for (const { table_name } of tables.rows)
      rows.push(...(await database.query(`SELECT * FROM "${table_name}"`)).rows);
    // Whatever the database keeps in place of a secret, in every spelling a log could use.
    storedHashes = rows.flatMap((row) =>
      Object.values(row).flatMap((value) => {
        if (Buffer.isBuffer(value) && value.length >= 16)
          return [value.toString('hex'), value.toString('base64'), value.toString('base64url')];
        if (typeof value === 'string' && /^\$2[aby]\$\d\d\$/.test(value)) return [value];
        return [];
      }),
    );
    // bytea columns as text too, so that a token stored raw would show.
    dump = JSON.stringify(rows, (_key, value: unknown) =>
      Buffer.isBuffer(value) ? value.toString('latin1') : value,
    );
  }

  afterAll(async () => {
    await instance?.stop();
    await sink?.stop();
  });

  const secrets = (): [string, string][] => [
    ['the password', password],
    ['a wrong password', wrongPassword],
    ['the password set by a reset', resetPassword],
    ['the password set by a change', changedPassword],
    ...mailSecrets,
    ['the signing key', secret],
    ['the data encryption key', dataEncryptionKey],
    ['the metrics token', metricsToken],
    ...mfaSecrets,
    ...issued.map((token, i): [string, string] => [`issued token #${i}`, token]),
    // A JWT's signature alone is as good as the token for spotting a leak.
    ...issued
      .filter((token) => token.split('.').length === 3)
      .map((token, i): [string, string] => [`signature #${i}`, token.split('.')[2]]),
  ];

  /** The labels of the secrets found in `text`: all of them, not only the first. */
  const leakedInto = (text: string, searched: [string, string][]) =>
    searched.filter(([, value]) => text.includes(value)).map(([label]) => label);

  it('should have logged every request of the flow, so that the search covers it', () => {
    const log = lines.join('\n');
    expect(requestIds.filter((id) => !log.includes(`"${id}"`))).toEqual([]);
    expect(issued.length).toBeGreaterThanOrEqual(10);
    expect(storedHashes.length).toBeGreaterThan(0);
    expect(mfaSecrets.length).toBe(24);
    expect(mailSecrets.length).toBe(6);
  });

  it('should write no password, token, stored hash or key to stdout or stderr', () => {
    const log = lines.join('\n');
    const searched: [string, string][] = [
      ...secrets(),
      ...storedHashes.map((hash, i): [string, string] => [`stored hash #${i}`, hash]),
    ];
    expect(leakedInto(log, searched)).toEqual([]);
  });

  it('should store no password, token or key in any table', () => {
    expect(dump).toContain('$2b$'); // the password is there, as a bcrypt hash
    expect(leakedInto(dump, secrets())).toEqual([]);
  });
});
