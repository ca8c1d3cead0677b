import { randomBytes } from 'node:crypto';
import { PASSWORD, uniqueEmail } from './support/factories';
import {
  createServerDatabase,
  ensureBuilt,
  freePort,
  Instance,
  serverServicesAnswer,
  startInstance,
} from './support/instance';
import { SmtpSink, tokenFrom } from './support/smtp-sink';

jest.setTimeout(120_000);

const post = (url: string, path: string, body: unknown, token?: string) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });

const services = serverServicesAnswer();
const withServer = services.postgres ? describe : describe.skip;
if (!services.postgres) {
  console.warn(
    'PostgreSQL server not answering on 127.0.0.1: the lifecycle instance suite is skipped',
  );
}

/**
 * The built app (node dist/main.js, NODE_ENV=production) as it runs in production: two instances
 * on one PostgreSQL server with real SMTP, and one without SMTP_URL. Needs the server (NOTIFY
 * crosses instances only there); skipped otherwise.
 */
withServer('Account lifecycle on built production instances', () => {
  let database: Awaited<ReturnType<typeof createServerDatabase>>;
  let sink: SmtpSink;
  let a: Instance;
  let b: Instance;
  let bare: Instance;
  const env = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: database!.url,
    JWT_SECRET: randomBytes(48).toString('base64url'),
    DATA_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
    BCRYPT_COST: '10',
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    database = await createServerDatabase();
    if (!database) throw new Error('the PostgreSQL server stopped answering');
    ensureBuilt();
    sink = await SmtpSink.start();
    const shared = { ...env(), SMTP_URL: sink.url, PUBLIC_URL: 'https://auth.example.test' };
    a = await startInstance(shared, await freePort());
    b = await startInstance(shared, await freePort());
    bare = await startInstance({ ...env(), SMTP_URL: '' }, await freePort());
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop(), bare?.stop()]);
    await sink?.stop();
    await database?.drop();
  });

  it('should refuse, on the other instance within one second, an access token whose password was reset', async () => {
    const email = uniqueEmail('instances');
    expect((await post(a.url, '/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const login = await post(b.url, '/auth/login', { email, password: PASSWORD });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const tokenInfo = () =>
      fetch(`${b.url}/auth/token-info`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect((await tokenInfo()).status).toBe(200);

    expect((await post(a.url, '/auth/password/forgot', { email })).status).toBe(202);
    const mail = await sink.mailTo(email, (m) => m.links.some((l) => l.includes('#reset?')));
    const reset = await post(a.url, '/auth/password/reset', {
      token: tokenFrom(mail, 'reset'),
      password: 'another horse battery staple',
    });
    expect(reset.status).toBe(204);

    const started = Date.now();
    while ((await tokenInfo()).status !== 401) {
      if (Date.now() - started > 1_000) throw new Error('B still accepts the token after 1 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });

  it('should not have GET /dev/outbox in production, neither as a route nor in the document', async () => {
    for (const instance of [a, bare]) {
      expect((await fetch(`${instance.url}/dev/outbox`)).status).toBe(404);
      const document = (await (await fetch(`${instance.url}/docs-json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(Object.keys(document.paths)).not.toContain('/dev/outbox');
    }
  });

  it('should start without SMTP_URL in production with one warning, and answer forgot 503 mail_unavailable', async () => {
    expect(bare.lines.filter((line) => line.includes('SMTP_URL is not set'))).toHaveLength(1);
    const email = uniqueEmail('bare');
    expect((await post(bare.url, '/auth/register', { email, password: PASSWORD })).status).toBe(
      201,
    );
    const forgot = await post(bare.url, '/auth/password/forgot', { email });
    expect(forgot.status).toBe(503);
    expect(((await forgot.json()) as { code: string }).code).toBe('mail_unavailable');
  });
});
