import { createTestApp, TestApp } from './support/test-app';

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
          'GET /products',
          'POST /products',
          'GET /health',
          'GET /health/ready',
          'GET /admin/audit-events',
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
        ['/auth/logout', 'post'],
      ]) {
        const operation = document.paths[path][method];
        expect(operation.security).toEqual([{ bearer: [] }]);
        expect(operation.responses['401']).toBeDefined();
      }
      expect(document.paths['/products'].post.responses['403']).toBeDefined();
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
