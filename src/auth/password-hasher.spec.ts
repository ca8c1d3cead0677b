import * as bcrypt from 'bcrypt';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  let hasher: PasswordHasher;

  beforeAll(() => {
    hasher = new PasswordHasher(2);
  });
  afterAll(() => hasher.close());

  it('should make a bcrypt hash at the given cost that bcrypt itself accepts', async () => {
    const hash = await hasher.hash('correct horse', 4);
    expect(bcrypt.getRounds(hash)).toBe(4);
    await expect(bcrypt.compare('correct horse', hash)).resolves.toBe(true);
  });

  it('should compare a password with a hash', async () => {
    const hash = bcrypt.hashSync('correct horse', 4);
    await expect(hasher.compare('correct horse', hash)).resolves.toBe(true);
    await expect(hasher.compare('wrong horse', hash)).resolves.toBe(false);
  });

  it('should run as many operations at once as it has workers', async () => {
    const hash = bcrypt.hashSync('x', 4);
    await expect(
      Promise.all([hasher.compare('x', hash), hasher.compare('y', hash)]),
    ).resolves.toEqual([true, false]);
  });

  it('should refuse work beyond its size instead of queueing it (the caller bounds concurrency)', async () => {
    const hash = bcrypt.hashSync('x', 8);
    const running = [hasher.compare('x', hash), hasher.compare('x', hash)];
    await expect(hasher.compare('x', hash)).rejects.toThrow('no free worker');
    await Promise.all(running);
  });

  it('should report a bcrypt error as a rejection', async () => {
    await expect(hasher.compare('x', 'not-a-bcrypt-hash')).resolves.toBe(false);
    await expect(hasher.hash('x', 99)).rejects.toThrow();
  });
});
