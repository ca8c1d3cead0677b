import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestApp, TestApp } from '../support/test-app';

const ROOT = join(__dirname, '..', '..');

interface Schema {
  $ref?: string;
  type?: string;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  items?: Schema;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: Schema;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses: Record<string, { headers?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
}

interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema> };
}

/**
 * Issue 15: the document at /docs-json passes a strict lint, and states the request rules the
 * server enforces, so that a generated client or a validating proxy refuses what the server
 * would refuse. That every response matches it is checked on every e2e request
 * (test/support/openapi-conformance.ts).
 */
describe('The OpenAPI document', () => {
  let t: TestApp;
  let raw: string;
  let document: Document;
  const operations: { where: string; operation: Operation }[] = [];

  const resolve = (schema: Schema): Schema =>
    schema.$ref ? document.components.schemas[schema.$ref.split('/').pop()!] : schema;

  const bodies = () =>
    operations.flatMap(({ where, operation }) => {
      const schema = operation.requestBody?.content['application/json']?.schema;
      return schema ? [{ where, schema: resolve(schema) }] : [];
    });

  const parameters = (location: string) =>
    operations.flatMap(({ where, operation }) =>
      (operation.parameters ?? [])
        .filter((parameter) => parameter.in === location)
        .map((parameter) => ({ where: `${where} ${parameter.name}`, parameter })),
    );

  beforeAll(async () => {
    t = await createTestApp();
    raw = await (await fetch(`${t.url}/docs-json`)).text();
    document = JSON.parse(raw) as Document;
    for (const [path, methods] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(methods))
        operations.push({ where: `${method.toUpperCase()} ${path}`, operation });
  });
  afterAll(() => t.close());

  it('should pass Redocly’s recommended-strict lint (redocly.yaml)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'openapi-lint-'));
    try {
      writeFileSync(join(dir, 'openapi.json'), raw);
      const cli = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
      const args = ['lint', join(dir, 'openapi.json'), '--config', join(ROOT, 'redocly.yaml')];
      const problems = await promisify(execFile)(process.execPath, [cli, ...args], {
        cwd: ROOT,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
      }).then(
        () => '',
        (error: { stdout?: string; stderr?: string }) => `${error.stdout}\n${error.stderr}`,
      );
      expect(problems).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should forbid unknown fields in every request body, as the validation pipe does', () => {
    const open = bodies().filter(({ schema }) => schema.additionalProperties !== false);
    expect(open.map(({ where }) => where)).toEqual([]);
  });

  it('should bound the length of every string a request body carries', () => {
    const unbounded = bodies().flatMap(({ where, schema }) =>
      Object.entries(schema.properties ?? {})
        .filter(([, property]) => property.type === 'string' && property.maxLength === undefined)
        .map(([name]) => `${where} ${name}`),
    );
    expect(unbounded).toEqual([]);
  });

  it('should declare every email field as format email', () => {
    const emails = bodies().flatMap(({ where, schema }) =>
      Object.entries(schema.properties ?? {})
        .filter(([name]) => /email/i.test(name))
        .map(([name, property]) => ({ where: `${where} ${name}`, format: property.format })),
    );
    expect(emails.length).toBeGreaterThan(0);
    expect(emails.filter(({ format }) => format !== 'email')).toEqual([]);
  });

  it('should declare passwords of 8 to 72 characters (the server counts 72 bytes)', () => {
    const passwords = bodies().flatMap(({ where, schema }) =>
      Object.entries(schema.properties ?? {})
        .filter(([name]) => /password/i.test(name))
        .map(([name, property]) => ({
          where: `${where} ${name}`,
          minLength: property.minLength,
          maxLength: property.maxLength,
        })),
    );
    expect(passwords.length).toBeGreaterThan(0);
    for (const password of passwords) expect(password).toMatchObject({ maxLength: 72 });
  });

  it('should type page and limit as bounded integers', () => {
    const paging = parameters('query').filter(({ parameter }) =>
      ['page', 'limit'].includes(parameter.name),
    );
    expect(paging.length).toBeGreaterThan(0);
    for (const { where, parameter } of paging) {
      expect({ where, type: parameter.schema.type, minimum: parameter.schema.minimum }).toEqual({
        where,
        type: 'integer',
        minimum: 1,
      });
    }
    const limits = paging.filter(({ parameter }) => parameter.name === 'limit');
    for (const { parameter } of limits) expect(parameter.schema.maximum).toBe(100);
  });

  it('should declare every id in a path or query as format uuid', () => {
    const ids = [...parameters('path'), ...parameters('query')].filter(({ parameter }) =>
      /^(id|userId)$/.test(parameter.name),
    );
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.filter(({ parameter }) => parameter.schema.format !== 'uuid')).toEqual([]);
  });

  it('should give a price the pattern the server checks', () => {
    const prices = bodies().flatMap(({ schema }) =>
      schema.properties?.price ? [schema.properties.price] : [],
    );
    expect(prices.length).toBeGreaterThan(0);
    for (const price of prices) {
      expect(price.pattern).toBeDefined();
      const pattern = new RegExp(price.pattern!);
      expect(['19.99', '0.5', '1000'].map((value) => pattern.test(value))).toEqual([
        true,
        true,
        true,
      ]);
      expect(['-1', '1.999', 'abc', '1e3'].map((value) => pattern.test(value))).toEqual([
        false,
        false,
        false,
        false,
      ]);
    }
  });

  it('should declare 413 on every route that takes a body', () => {
    const missing = operations
      .filter(({ operation }) => operation.requestBody && !operation.responses['413'])
      .map(({ where }) => where);
    expect(missing).toEqual([]);
  });

  it('should declare WWW-Authenticate on every 401', () => {
    const missing = operations
      .filter(
        ({ operation }) =>
          operation.responses['401'] && !operation.responses['401'].headers?.['WWW-Authenticate'],
      )
      .map(({ where }) => where);
    expect(missing).toEqual([]);
  });

  it('should declare Retry-After on every 429 and 503', () => {
    const missing = operations.flatMap(({ where, operation }) =>
      ['429', '503']
        .filter((status) => operation.responses[status])
        .filter((status) => !operation.responses[status].headers?.['Retry-After'])
        .map((status) => `${where} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('should let logout go without a body and without a bearer token', () => {
    const logout = document.paths['/auth/logout'].post;
    expect(logout.requestBody?.required).not.toBe(true);
    expect(logout.security).toEqual(expect.arrayContaining([{}]));
  });
});
