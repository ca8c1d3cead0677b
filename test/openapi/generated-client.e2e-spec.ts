import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, resetDatabase, TestApp } from '../support/test-app';
import { cookieFlow, jsonFlow } from './client-flow';

const ROOT = join(__dirname, '..', '..');
const TYPES = join(__dirname, 'api.d.ts');
const FLOW = join(__dirname, 'client-flow.ts');
const run = promisify(execFile);
const BANNER =
  '// Generated from GET /docs-json by openapi-typescript. Do not edit: run `npm run openapi:client`.\n';

/**
 * Issue 15: a client generated from /docs-json works without edits. The committed types are what
 * the served document generates (a document change without them fails here), the flow written
 * against them compiles under `tsc --strict` with no casts, and it runs against the service in
 * JSON and cookie mode.
 */
describe('A client generated from the OpenAPI document', () => {
  let t: TestApp;
  let generated: string;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    // openapi-typescript is an ES module Jest cannot load: its CLI, as a team would run it.
    const dir = mkdtempSync(join(tmpdir(), 'openapi-client-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), await (await fetch(`${t.url}/docs-json`)).text());
      const cli = join(ROOT, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      await run(process.execPath, [cli, join(dir, 'openapi.json'), '-o', join(dir, 'api.d.ts')]);
      generated = BANNER + readFileSync(join(dir, 'api.d.ts'), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.env.OPENAPI_CLIENT_WRITE === 'true') writeFileSync(TYPES, generated);
  });
  afterAll(() => t.close());

  it('should be committed as the served document generates it (npm run openapi:client)', () => {
    expect(readFileSync(TYPES, 'utf8')).toBe(generated);
  });

  it('should compile under tsc --strict', async () => {
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = [
      ...['--strict', '--noEmit', '--skipLibCheck', '--target', 'ES2022', '--module', 'node16'],
      ...['--moduleResolution', 'node16', '--types', 'node', FLOW],
    ];
    // tsc prints its diagnostics on stdout: they are the failure message.
    const diagnostics = await run(process.execPath, [tsc, ...args], { cwd: ROOT }).then(
      () => '',
      (error: { stdout?: string; message?: string }) => error.stdout ?? error.message ?? 'failed',
    );
    expect(diagnostics).toBe('');
  });

  it('should be used with no type assertion', () => {
    const code = readFileSync(FLOW, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    expect(code).not.toMatch(/\bas\s+[A-Za-z{[(]|<[A-Za-z]+>\s*\w|!\.|!\)/);
  });

  it('should register, log in, list products, refresh and log out in JSON mode', async () => {
    await expect(jsonFlow(t.url)).resolves.toEqual({
      productsOnFirstPage: expect.any(Number),
      afterLogout: 'session_revoked',
    });
  });

  it('should do the same in cookie mode, the refresh token never leaving its cookie', async () => {
    await expect(cookieFlow(t.url)).resolves.toEqual({
      productsOnFirstPage: expect.any(Number),
      afterLogout: 'session_revoked',
    });
  });
});
