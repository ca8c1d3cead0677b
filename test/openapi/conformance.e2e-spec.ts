import {
  ObservedResponse,
  OpenApiConformance,
  OpenApiDocument,
} from '../support/openapi-conformance';
import { createTestApp, TestApp } from '../support/test-app';

/**
 * The check every e2e response goes through (test/support/openapi-after-each.ts) must be able to
 * fail: fed responses the served document does not describe, it names each disagreement.
 */
describe('The OpenAPI conformance check', () => {
  let t: TestApp;
  let conformance: OpenApiConformance;

  const refused = (overrides: Partial<ObservedResponse>): ObservedResponse => ({
    method: 'POST',
    route: '/auth/refresh',
    url: '/auth/refresh',
    statusCode: 401,
    headers: { 'www-authenticate': 'Bearer realm="api"', 'cache-control': 'no-store' },
    contentType: 'application/json; charset=utf-8',
    body: {
      statusCode: 401,
      error: 'Unauthorized',
      message: 'Invalid token',
      code: 'token_invalid',
    },
    ...overrides,
  });

  beforeAll(async () => {
    t = await createTestApp();
    const document = (await (await fetch(`${t.url}/docs-json`)).json()) as OpenApiDocument;
    conformance = new OpenApiConformance(document);
  });
  afterAll(() => t.close());

  it('should pass a response the document describes', () => {
    expect(conformance.check(refused({}))).toEqual([]);
  });

  it('should flag a status the route does not declare', () => {
    expect(conformance.check(refused({ statusCode: 418 }))).toEqual([
      expect.stringContaining('status 418 is not declared'),
    ]);
  });

  it('should flag an error code outside the documented enum', () => {
    const body = { statusCode: 401, error: 'Unauthorized', message: 'x', code: 'made_up' };
    expect(conformance.check(refused({ body }))).toEqual([
      expect.stringContaining('body/code must be equal to one of the allowed values'),
    ]);
  });

  it('should flag a promised header the status does not declare', () => {
    const headers = { 'retry-after': '5', 'cache-control': 'no-store' };
    expect(conformance.check(refused({ statusCode: 400, headers }))).toEqual([
      expect.stringContaining('header retry-after is sent but not declared'),
    ]);
  });

  it('should flag a route the document does not know', () => {
    expect(conformance.check(refused({ route: '/auth/secret', url: '/auth/secret' }))).toEqual([
      expect.stringContaining('route /auth/secret is not documented'),
    ]);
  });

  it('should flag a body on a response that declares none', () => {
    expect(
      conformance.check(
        refused({ route: '/auth/logout', url: '/auth/logout', statusCode: 204, headers: {} }),
      ),
    ).toEqual([expect.stringContaining('a body was sent but the document declares none')]);
  });

  it('should flag a field of the wrong type in a success body', () => {
    const body = { status: 'ok', database: 42 };
    expect(
      conformance.check({
        ...refused({}),
        method: 'GET',
        route: '/health/ready',
        url: '/health/ready',
        statusCode: 200,
        headers: {},
        body,
      }),
    ).toEqual(expect.arrayContaining([expect.stringContaining('body/database must be string')]));
  });
});
