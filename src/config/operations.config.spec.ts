import { ConfigError, Env } from './env-parsers';
import { loadOperationsConfig } from './operations.config';

function problems(env: Env): string {
  try {
    loadOperationsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('expected loadOperationsConfig to throw a ConfigError');
}

describe('loadOperationsConfig', () => {
  it('should leave metrics off and keep audit events 365 days by default', () => {
    expect(loadOperationsConfig({})).toEqual({
      metricsToken: undefined,
      auditRetentionMs: 365 * 86_400_000,
    });
  });

  it('should take METRICS_TOKEN as it is', () => {
    const token = 'f'.repeat(32);
    expect(loadOperationsConfig({ METRICS_TOKEN: token }).metricsToken).toBe(token);
  });

  it('should refuse a short METRICS_TOKEN without echoing it', () => {
    const message = problems({ METRICS_TOKEN: 'short-secret' });
    expect(message).toContain('METRICS_TOKEN');
    expect(message).not.toContain('short-secret');
  });

  it('should read AUDIT_RETENTION as a duration', () => {
    expect(loadOperationsConfig({ AUDIT_RETENTION: '90d' }).auditRetentionMs).toBe(90 * 86_400_000);
  });

  it('should refuse an AUDIT_RETENTION that does not parse or is under a day', () => {
    expect(problems({ AUDIT_RETENTION: 'forever' })).toContain('AUDIT_RETENTION');
    expect(problems({ AUDIT_RETENTION: '1h' })).toContain('AUDIT_RETENTION');
  });
});
