import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { loadAppConfig } from '../src/config/app.config';
import { minVersion, satisfies } from 'semver';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/**
 * No Docker engine runs here, so the image and the compose file are checked for what can be
 * checked without one: what they reference exists, they run as intended, and they stay in step
 * with the configuration the service actually reads.
 */
describe('Deployment files', () => {
  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');

    it('should build in one stage and run in another', () => {
      expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
      expect(dockerfile).toMatch(/COPY --from=build/);
      expect(dockerfile).toMatch(/npm prune --omit=dev/);
    });

    it('should run as a non-root user', () => {
      expect(dockerfile).toMatch(/^USER node$/m);
    });

    it('should start the compiled entry point with node, so SIGTERM reaches it', () => {
      expect(dockerfile).toMatch(/^CMD \["node", "dist\/main.js"\]$/m);
      expect(read('package.json')).toContain('"build": "nest build"');
      expect(read('tsconfig.build.json')).toContain('"rootDir": "./src"');
    });

    it('should copy only files that exist', () => {
      const sources = [
        ...dockerfile.matchAll(/^COPY (?!--from)(?:--chown=\S+ )?(.+) \S+$/gm),
      ].flatMap((m) => m[1].split(' '));
      expect(sources.length).toBeGreaterThan(3);
      for (const source of sources)
        expect({ source, exists: existsSync(join(ROOT, source)) }).toEqual({
          source,
          exists: true,
        });
    });

    it('should keep secrets out of the image', () => {
      expect(dockerfile).not.toMatch(/JWT_SECRET=|ENV .*SECRET/);
      expect(read('.dockerignore')).toMatch(/^\.env$/m);
      expect(read('.dockerignore')).toMatch(/^\.data$/m);
    });
  });

  describe('docker-compose.yml', () => {
    const compose = load(read('docker-compose.yml')) as {
      services: Record<
        string,
        { environment?: Record<string, string>; image?: string; build?: string }
      >;
      secrets: Record<string, { file: string }>;
    };

    it('should run two app instances behind a proxy, with PostgreSQL and Redis', () => {
      expect(Object.keys(compose.services).sort()).toEqual([
        'app1',
        'app2',
        'postgres',
        'proxy',
        'redis',
      ]);
      expect(compose.services.app1.build).toBe('.');
      const nginx = read('deploy/nginx.conf');
      expect(nginx).toMatch(/server app1:3000/);
      expect(nginx).toMatch(/server app2:3000/);
    });

    it('should configure the instances only with variables the service reads (all in .env.example)', () => {
      const documented = new Set(
        [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]),
      );
      for (const name of Object.keys(compose.services.app1.environment ?? {})) {
        expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
      }
    });

    it('should run in production mode with the shared stores and a mounted secret', () => {
      const env = compose.services.app1.environment!;
      expect(env.NODE_ENV).toBe('production');
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\//);
      expect(env.REDIS_URL).toBe('redis://redis:6379');
      expect(env.JWT_SECRET_FILE).toBe('/run/secrets/jwt_secret');
      expect(env.JWT_SECRET).toBeUndefined();
      expect(read('.gitignore')).toMatch(/^deploy\/jwt_secret$/m);
      expect(env.DATA_ENCRYPTION_KEY_FILE).toBe('/run/secrets/data_encryption_key');
      expect(read('.gitignore')).toMatch(/^deploy\/data_encryption_key$/m);
    });
  });

  describe('package.json engines', () => {
    it('should name a Node.js floor that every locked package supports', () => {
      const floor = minVersion(
        (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node,
      )!.version;
      const lock = JSON.parse(read('package-lock.json')) as {
        packages: Record<string, { version?: string; engines?: { node?: string } }>;
      };
      const unsupported = Object.entries(lock.packages)
        .filter(([path]) => path !== '')
        .flatMap(([path, { version, engines }]) =>
          engines?.node && !satisfies(floor, engines.node)
            ? [`${path}@${version} wants ${engines.node}`]
            : [],
        );
      expect({ floor, unsupported }).toEqual({ floor, unsupported: [] });
    });
  });

  describe('the proxy in front (../shared/API.md, "Client addresses and rate-limit keys")', () => {
    const nginx = read('deploy/nginx.conf');
    const compose = load(read('docker-compose.yml')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };

    it('should have nginx replace X-Forwarded-For with the address it saw', () => {
      const forwardedFor = [...nginx.matchAll(/proxy_set_header\s+X-Forwarded-For\s+(\S+);/gi)];
      expect(forwardedFor.map((m) => m[1])).toEqual(['$remote_addr']);
    });

    it('should have every instance trust exactly the one hop nginx adds', () => {
      for (const name of ['app1', 'app2']) {
        const env = compose.services[name].environment!;
        expect({ name, trustProxy: loadAppConfig(env).trustProxy }).toEqual({
          name,
          trustProxy: 1,
        });
      }
    });
  });

  describe('.env.example', () => {
    it('should document every variable the service reads', () => {
      const documented = new Set(
        [...read('.env.example').matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]),
      );
      const sources = [
        'src/config/app.config.ts',
        'src/config/auth.config.ts',
        'src/config/cluster.config.ts',
        'src/config/database.config.ts',
        'src/config/operations.config.ts',
        'src/config/signing-keys.ts',
        'src/config/secrets-manager.ts',
        'src/cluster.ts',
      ]
        .map(read)
        .join('\n');
      const used = new Set(
        [...sources.matchAll(/(?:read\.\w+\(|env\.|process\.env\.)'?([A-Z][A-Z0-9_]{2,})/g)].map(
          (m) => m[1],
        ),
      );
      expect(used.size).toBeGreaterThan(20);
      for (const name of used)
        expect({ name, documented: documented.has(name) }).toEqual({ name, documented: true });
    });
  });
});
