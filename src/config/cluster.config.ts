import { availableParallelism } from 'node:os';
import { Env, EnvReader } from './env-parsers';

export interface ClusterConfig {
  /** Workers of `npm run start:cluster`, each a whole instance of the service. */
  workers: number;
}

/**
 * Read by the cluster primary only (cluster.ts), before it forks anything. More than four workers
 * per core only contend for the CPU while each holds its own memory and database pool, so a larger
 * number is a typo, not a tuning choice.
 */
export function loadClusterConfig(env: Env = process.env): ClusterConfig {
  const read = new EnvReader(env);
  const cores = availableParallelism();
  const config: ClusterConfig = { workers: read.int('CLUSTER_WORKERS', cores, 1, 4 * cores) };
  read.done();
  return config;
}
