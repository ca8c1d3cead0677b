import { CounterStore, FallbackCounterStore, MemoryCounterStore } from './counter-store';

const WINDOW = 60_000;
const T0 = 1_700_000_000_000;

describe('MemoryCounterStore', () => {
  let store: MemoryCounterStore;
  beforeEach(() => {
    store = new MemoryCounterStore();
  });

  describe('decrement', () => {
    it('should take back one hit from an open window', async () => {
      await store.increment('k', WINDOW, undefined, T0);
      await store.increment('k', WINDOW, undefined, T0);
      await store.decrement('k', T0);
      expect(await store.get('k', T0)).toEqual({ count: 1, msLeft: WINDOW });
    });

    it('should keep the window’s end', async () => {
      await store.increment('k', WINDOW, undefined, T0);
      await store.increment('k', WINDOW, undefined, T0);
      await store.decrement('k', T0 + 1_000);
      expect(await store.get('k', T0 + 1_000)).toEqual({ count: 1, msLeft: WINDOW - 1_000 });
    });

    it('should never go below zero', async () => {
      await store.increment('k', WINDOW, undefined, T0);
      await store.decrement('k', T0);
      await store.decrement('k', T0);
      expect((await store.get('k', T0))?.count).toBe(0);
      expect((await store.increment('k', WINDOW, undefined, T0)).count).toBe(1);
    });

    it('should not open a window', async () => {
      await store.decrement('k', T0);
      expect(await store.get('k', T0)).toBeUndefined();
    });

    it('should not touch an ended window', async () => {
      await store.increment('k', WINDOW, undefined, T0);
      await store.decrement('k', T0 + WINDOW);
      expect((await store.increment('k', WINDOW, undefined, T0 + WINDOW)).count).toBe(1);
    });
  });

  describe('groups', () => {
    it('should delete every counter of a group at once', async () => {
      await store.increment('a:1', WINDOW, 'a', T0);
      await store.increment('a:2', WINDOW, 'a', T0);
      await store.deleteGroup('a');
      expect(await store.get('a:1', T0)).toBeUndefined();
      expect(await store.get('a:2', T0)).toBeUndefined();
    });

    it('should leave other groups and ungrouped counters alone', async () => {
      await store.increment('a:1', WINDOW, 'a', T0);
      await store.increment('b:1', WINDOW, 'b', T0);
      await store.increment('plain', WINDOW, undefined, T0);
      await store.deleteGroup('a');
      expect((await store.get('b:1', T0))?.count).toBe(1);
      expect((await store.get('plain', T0))?.count).toBe(1);
    });

    it('should delete a counter added to the group after an earlier deletion', async () => {
      await store.increment('a:1', WINDOW, 'a', T0);
      await store.deleteGroup('a');
      await store.increment('a:2', WINDOW, 'a', T0);
      await store.deleteGroup('a');
      expect(await store.get('a:2', T0)).toBeUndefined();
    });

    it('should forget ended windows, so a group does not grow with every key it ever had', async () => {
      for (let i = 0; i < 100; i++) await store.increment(`a:${i}`, WINDOW, 'a', T0);
      await store.increment('other', WINDOW, undefined, T0 + 2 * WINDOW);
      const groups = store['groups'];
      expect(groups.has('a')).toBe(false);
    });
  });
});

describe('FallbackCounterStore', () => {
  const unavailable = (): CounterStore => {
    const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
    return { increment: down, get: down, delete: down, decrement: down, deleteGroup: down };
  };

  it('should decrement in the fallback while the shared store is down', async () => {
    const fallback = new MemoryCounterStore();
    const store = new FallbackCounterStore(unavailable(), fallback);
    await store.increment('k', WINDOW);
    await store.increment('k', WINDOW);
    await store.decrement('k');
    expect((await fallback.get('k'))?.count).toBe(1);
  });

  it('should delete a group from both stores, so a lock counted during an outage is lifted too', async () => {
    const primary = new MemoryCounterStore();
    const fallback = new MemoryCounterStore();
    await primary.increment('a:1', WINDOW, 'a');
    await fallback.increment('a:2', WINDOW, 'a');
    await new FallbackCounterStore(primary, fallback).deleteGroup('a');
    expect(await primary.get('a:1')).toBeUndefined();
    expect(await fallback.get('a:2')).toBeUndefined();
  });

  it('should still delete the group from the fallback while the shared store is down', async () => {
    const fallback = new MemoryCounterStore();
    await fallback.increment('a:1', WINDOW, 'a');
    await new FallbackCounterStore(unavailable(), fallback).deleteGroup('a');
    expect(await fallback.get('a:1')).toBeUndefined();
  });

  it('should pass the group through to the shared store', async () => {
    const primary = new MemoryCounterStore();
    const store = new FallbackCounterStore(primary);
    await store.increment('a:1', WINDOW, 'a');
    await primary.deleteGroup('a');
    expect(await primary.get('a:1')).toBeUndefined();
  });
});
