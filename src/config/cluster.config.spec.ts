import { availableParallelism } from 'node:os';
import { loadClusterConfig } from './cluster.config';
import { ConfigError } from './env-parsers';

describe('loadClusterConfig', () => {
  it('should start one worker per core by default', () => {
    expect(loadClusterConfig({}).workers).toBe(availableParallelism());
  });

  it('should take the number of workers from CLUSTER_WORKERS', () => {
    expect(loadClusterConfig({ CLUSTER_WORKERS: '3' }).workers).toBe(3);
  });

  it('should allow up to four workers per core', () => {
    const most = String(4 * availableParallelism());
    expect(loadClusterConfig({ CLUSTER_WORKERS: most }).workers).toBe(Number(most));
  });

  it.each(['0', '-1', '2.5', 'four', '1e3', String(4 * availableParallelism() + 1)])(
    'should refuse CLUSTER_WORKERS=%p, naming the variable',
    (value) => {
      expect(() => loadClusterConfig({ CLUSTER_WORKERS: value })).toThrow(ConfigError);
      expect(() => loadClusterConfig({ CLUSTER_WORKERS: value })).toThrow(/CLUSTER_WORKERS/);
    },
  );
});
