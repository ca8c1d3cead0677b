import { randomBytes } from 'node:crypto';
import { PASSWORD, uniqueEmail } from './support/factories';
import { ensureBuilt, freePort, startInstance } from './support/instance';

jest.setTimeout(120_000);

const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

/** The built app as a process: how it stops, and what it writes. */
describe('The service as a process (node dist/main.js)', () => {
  beforeAll(() => ensureBuilt());

  describe('on SIGTERM', () => {
    it('should finish the request in flight, refuse new ones, and exit 0', async () => {
      // Cost 14: a login holds bcrypt for about a second, long enough to signal in the middle.
      const instance = await startInstance(
        { BCRYPT_COST: '14', DATABASE_URL: process.env.E2E_DATABASE_URL },
        await freePort(),
      );
      const email = uniqueEmail();
      expect(
        (await post(instance.url, '/auth/register', { email, password: PASSWORD })).status,
      ).toBe(201);

      const inFlight = post(instance.url, '/auth/login', { email, password: PASSWORD });
      await new Promise((resolve) => setTimeout(resolve, 150));
      const exitCode = instance.stop('SIGTERM');

      const response = await inFlight;
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ tokenType: 'Bearer' });
      await expect(exitCode).resolves.toBe(0);
      await expect(fetch(`${instance.url}/health`)).rejects.toThrow();
      expect(instance.lines.join('\n')).toContain('SIGTERM: draining in-flight requests');
    });
  });

  describe('logs', () => {
    const secret = randomBytes(48).toString('base64url');
    let lines: string[];
    let tokens: { accessToken: string; refreshToken: string };

    beforeAll(async () => {
      const instance = await startInstance(
        { JWT_SECRET: secret, LOG_LEVEL: 'info', DATABASE_URL: process.env.E2E_DATABASE_URL },
        await freePort(),
      );
      const email = uniqueEmail();
      await post(instance.url, '/auth/register', { email, password: PASSWORD });
      await post(instance.url, '/auth/login', { email, password: 'wrong password' });
      tokens = (await (
        await post(instance.url, '/auth/login', { email, password: PASSWORD })
      ).json()) as typeof tokens;
      await fetch(`${instance.url}/auth/me?access_token=${tokens.accessToken}`, {
        headers: {
          Authorization: `Bearer ${tokens.accessToken}`,
          Cookie: `refresh_token=${tokens.refreshToken}`,
          'X-Request-Id': 'trace-abc-123',
        },
      });
      await post(instance.url, '/auth/refresh', { refreshToken: tokens.refreshToken });
      await post(instance.url, '/auth/refresh', { refreshToken: 'x'.repeat(43) });
      await instance.stop();
      lines = instance.lines;
    });

    it('should write one JSON object per line', () => {
      expect(lines.length).toBeGreaterThan(10);
      for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    });

    it('should put the request id on every request line, honouring X-Request-Id', () => {
      const requests = lines
        .map((line) => JSON.parse(line) as { req?: { id?: string }; msg?: string })
        .filter((e) => e.req);
      expect(requests.length).toBeGreaterThanOrEqual(6);
      for (const entry of requests) expect(entry.req?.id).toEqual(expect.any(String));
      expect(requests.map((e) => e.req?.id)).toContain('trace-abc-123');
    });

    it('should redact credentials: no Authorization, cookie, password, token or key in any line', () => {
      const all = lines.join('\n');
      for (const value of [
        PASSWORD,
        'wrong password',
        secret,
        tokens.accessToken,
        tokens.accessToken.split('.')[2],
        tokens.refreshToken,
      ]) {
        expect(all.includes(value)).toBe(false);
      }
    });
  });
});
