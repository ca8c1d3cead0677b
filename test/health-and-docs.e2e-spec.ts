import { ADMINISTRATION_ERROR_CODES } from '../src/users/administration-errors';
import { ACCOUNT_ERROR_CODES } from '../src/auth/account-errors';
import { AUTH_ERROR_CODES } from '../src/auth/auth-errors';
import { createTestApp, TestApp } from './support/test-app';

/** The options Swagger UI starts with, as GET /docs/swagger-ui-init.js hands them to the page. */
async function swaggerUiOptions(t: TestApp): Promise<{ customOptions?: Record<string, unknown> }> {
  const script = (await t.http().get('/docs/swagger-ui-init.js').expect(200)).text;
  const json = /let options = (\{[\s\S]*?\n\});/.exec(script)?.[1];
  expect(json).toBeDefined();
  return JSON.parse(json!) as { customOptions?: Record<string, unknown> };
}

describe('Health, Swagger and unknown routes', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('GET /health should answer 200 without auth', async () => {
    await t.http().get('/health').expect(200, { status: 'ok' });
  });

  it('GET /health/ready should answer 200 when the database answers', async () => {
    await t.http().get('/health/ready').expect(200, { status: 'ok', database: 'up' });
  });

  it('GET /docs should serve Swagger UI', async () => {
    const response = await t.http().get('/docs').redirects(1).expect(200);
    expect(response.text).toContain('swagger-ui');
  });

  it('should let Swagger UI remember the bearer token across reloads outside production', async () => {
    const options = await swaggerUiOptions(t);
    expect(options.customOptions?.persistAuthorization).toBe(true);
  });

  it('should not let Swagger UI keep the bearer token in localStorage in production', async () => {
    // Production refuses the test's low bcrypt cost; everything else comes from the e2e environment.
    const production = await createTestApp({ NODE_ENV: 'production', BCRYPT_COST: '10' });
    try {
      const options = await swaggerUiOptions(production);
      expect(options.customOptions?.persistAuthorization ?? false).toBe(false);
    } finally {
      await production.close();
    }
  });

  describe('GET /docs-json', () => {
    let document: {
      paths: Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
      >;
      components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
    };

    beforeAll(async () => {
      document = (await t.http().get('/docs-json').expect(200)).body;
    });

    it('should document every route of the contract', () => {
      const routes = Object.entries(document.paths).flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
      );
      expect(routes.sort()).toEqual(
        [
          'POST /auth/register',
          'POST /auth/login',
          'POST /auth/refresh',
          'POST /auth/logout',
          'POST /auth/logout-all',
          'GET /auth/me',
          'GET /auth/token-info',
          'GET /auth/sessions',
          'DELETE /auth/sessions/{id}',
          'POST /auth/mfa/totp/setup',
          'POST /auth/mfa/totp/confirm',
          'POST /auth/mfa/totp/disable',
          'POST /auth/mfa/verify',
          'POST /auth/email/verify',
          'POST /auth/email/verify/resend',
          'POST /auth/password/forgot',
          'POST /auth/password/reset',
          'POST /auth/password/change',
          'DELETE /auth/me',
          // Development only (no SMTP_URL outside production).
          'GET /dev/outbox',
          'GET /products',
          'POST /products',
          'GET /health',
          'GET /health/ready',
          'GET /admin/audit-events',
          'GET /admin/users',
          'GET /admin/users/{id}',
          'POST /admin/users/{id}/disable',
          'POST /admin/users/{id}/enable',
          'PUT /admin/users/{id}/roles',
          'POST /admin/users/{id}/logout-all',
          'DELETE /admin/users/{id}',
          // Documented always; answers 404 unless METRICS_TOKEN is set and sent.
          'GET /metrics',
          'GET /.well-known/jwks.json',
        ].sort(),
      );
    });

    it('should declare a bearer scheme so that "Authorize" works', () => {
      expect(document.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
      });
    });

    it('should mark guarded routes with the bearer scheme and document their 401', () => {
      for (const [path, method] of [
        ['/auth/me', 'get'],
        ['/products', 'post'],
      ]) {
        const operation = document.paths[path][method];
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(operation.responses['401']).toBeDefined();
      }
      expect(document.paths['/products'].post.responses['403']).toBeDefined();
    });

    it('should let logout take a bearer token or none (a refresh token, the cookie)', () => {
      const logout = document.paths['/auth/logout'].post;
      expect(logout.security).toEqual([{ bearer: [] }, {}]);
      expect(logout.responses['401']).toBeDefined();
    });

    it('should mark public routes with an empty security requirement', () => {
      expect(document.paths['/auth/login'].post.security).toEqual([]);
      expect(document.paths['/health'].get.security).toEqual([]);
    });

    it('should document the DTOs and the error shape', () => {
      for (const schema of [
        'RegisterDto',
        'LoginDto',
        'TokenPairDto',
        'UserDto',
        'SessionDto',
        'ErrorResponseDto',
        'ProductDto',
        'CreateProductDto',
      ]) {
        expect(document.components.schemas[schema]).toBeDefined();
      }
    });

    it('should list every error code the service sends in the error shape', () => {
      const errorShape = document.components.schemas.ErrorResponseDto as {
        properties: { code: { enum: string[] } };
      };
      expect([...errorShape.properties.code.enum].sort()).toEqual(
        [
          ...AUTH_ERROR_CODES,
          'csrf_failed',
          'insufficient_role',
          'too_many_attempts',
          'overloaded',
          'mfa_invalid',
          'mfa_required',
          ...ACCOUNT_ERROR_CODES,
          ...ADMINISTRATION_ERROR_CODES,
        ].sort(),
      );
    });
  });

  it('should answer 404 in the error shape for an unknown route', async () => {
    const response = await t.http().get('/nope').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('should answer 404 or 405 for a wrong method on a known route', async () => {
    const response = await t.http().delete('/health');
    expect([404, 405]).toContain(response.status);
  });
});
