import { loadDatabaseConfig } from './database.config';
import { ConfigError, Env } from './env-parsers';

const URL = 'postgres://auth:auth@db.internal:5432/auth';

describe('loadDatabaseConfig', () => {
  const load = (env: Env) => loadDatabaseConfig({ DATA_DIR: '/tmp/database-config-spec', ...env });

  describe.each(['production', 'staging', 'prod', 'Production', ' production ', 'Development'])(
    'with NODE_ENV=%p',
    (nodeEnv) => {
      it('should refuse the embedded database, naming DATABASE_URL', () => {
        expect(() => load({ NODE_ENV: nodeEnv })).toThrow(ConfigError);
        expect(() => load({ NODE_ENV: nodeEnv })).toThrow(/DATABASE_URL is required/);
      });

      it('should accept a PostgreSQL server', () => {
        expect(load({ NODE_ENV: nodeEnv, DATABASE_URL: URL }).url).toBe(URL);
      });
    },
  );

  it.each(['development', 'test'])(
    'should start the embedded database with NODE_ENV=%p',
    (nodeEnv) => {
      const config = load({ NODE_ENV: nodeEnv });
      expect(config.url).toBeUndefined();
      expect(config.embeddedDataDir).toBe('/tmp/database-config-spec/pglite');
    },
  );

  it('should start the embedded database when NODE_ENV is unset', () => {
    expect(load({}).url).toBeUndefined();
  });
});
