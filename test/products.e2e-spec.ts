import { ProductsService } from '../src/products/products.service';
import { createTestApp, resetDatabase, TestApp } from './support/test-app';
import { signedInUser, SignedInUser } from './support/factories';

describe('Products (../shared/API.md, /products)', () => {
  let t: TestApp;
  let user: SignedInUser;
  let admin: SignedInUser;

  beforeAll(async () => {
    t = await createTestApp();
    await resetDatabase(t.dataSource);
    await t.app.get(ProductsService).seedIfEmpty();
    user = await signedInUser(t);
    admin = await signedInUser(t, { admin: true });
  });
  afterAll(() => t.close());

  describe('GET /products', () => {
    it('should need a bearer token', async () => {
      const response = await t.http().get('/products').expect(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="api"');
    });

    it('should list the seeded demo catalogue, 20 per page by default', async () => {
      const response = await t
        .http()
        .get('/products')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(response.body).toMatchObject({ page: 1, limit: 20, total: 50 });
      expect(response.body.items).toHaveLength(20);
      expect(response.body.items[0]).toEqual({
        id: expect.any(String),
        name: expect.any(String),
        description: expect.any(String),
        price: expect.stringMatching(/^\d+\.\d{2}$/),
        createdAt: expect.any(String),
      });
    });

    it('should page without overlap', async () => {
      const page1 = await t
        .http()
        .get('/products?page=1&limit=30')
        .set('Authorization', user.bearer)
        .expect(200);
      const page2 = await t
        .http()
        .get('/products?page=2&limit=30')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(page2.body.items).toHaveLength(20);
      const ids = new Set(
        [...page1.body.items, ...page2.body.items].map((p: { id: string }) => p.id),
      );
      expect(ids.size).toBe(50);
    });

    it.each(['limit=0', 'limit=101', 'limit=abc', 'page=0', 'page=-1', 'page=1.5', 'unknown=1'])(
      'should answer 400 for %s',
      async (query) => {
        const response = await t
          .http()
          .get(`/products?${query}`)
          .set('Authorization', user.bearer)
          .expect(400);
        expect(response.body).toMatchObject({
          statusCode: 400,
          error: 'Bad Request',
          message: expect.any(Array),
        });
      },
    );

    it('should not seed twice', async () => {
      await expect(t.app.get(ProductsService).seedIfEmpty()).resolves.toBe(0);
    });
  });

  describe('POST /products', () => {
    const product = { name: 'Linen apron', description: 'Washed linen', price: '24.5' };

    it('should let an admin create a product, with the price in two-place form', async () => {
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', admin.bearer)
        .send(product)
        .expect(201);
      expect(response.body).toEqual({
        id: expect.any(String),
        name: 'Linen apron',
        description: 'Washed linen',
        price: '24.50',
        createdAt: expect.any(String),
      });
    });

    it('should accept a JSON number price', async () => {
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', admin.bearer)
        .send({ name: 'Mug', price: 7 })
        .expect(201);
      expect(response.body.price).toBe('7.00');
    });

    it('should answer 403 to a plain user and create nothing', async () => {
      const before = await t
        .http()
        .get('/products?limit=1')
        .set('Authorization', user.bearer)
        .expect(200);
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', user.bearer)
        .send(product)
        .expect(403);
      expect(response.body).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'Your role does not allow this',
        code: 'insufficient_role',
      });
      const after = await t
        .http()
        .get('/products?limit=1')
        .set('Authorization', user.bearer)
        .expect(200);
      expect(after.body.total).toBe(before.body.total);
    });

    it('should answer 401 without a token', async () => {
      await t.http().post('/products').send(product).expect(401);
    });

    it.each([
      [{ price: '1.00' }, 'name'],
      [{ name: '', price: '1.00' }, 'name'],
      [{ name: 'x', price: '-1' }, 'price'],
      [{ name: 'x', price: '1.999' }, 'price'],
      [{ name: 'x', price: 'abc' }, 'price'],
      [{ name: 'x', price: 1e21 }, 'price'],
      [{ name: 'x', price: '1.00', id: 'mine' }, 'id'],
    ])('should answer 400 for %j naming %s', async (body, field) => {
      const response = await t
        .http()
        .post('/products')
        .set('Authorization', admin.bearer)
        .send(body)
        .expect(400);
      expect((response.body.message as string[]).some((m) => m.includes(field))).toBe(true);
    });
  });
});
