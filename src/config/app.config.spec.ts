import { loadAppConfig } from './app.config';
import { ConfigError, Env } from './env-parsers';

describe('loadAppConfig', () => {
  function configError(env: Env): ConfigError {
    try {
      loadAppConfig(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected loadAppConfig to throw a ConfigError');
  }

  // ../shared/API.md, "Client addresses and rate-limit keys".
  describe('TRUST_PROXY', () => {
    it('should trust no proxy by default', () => {
      expect(loadAppConfig({}).trustProxy).toBe(0);
    });

    it.each(['', '  ', 'false', 'FALSE', '0', 'no', 'off'])(
      'should trust no proxy for %p',
      (value) => {
        expect(loadAppConfig({ TRUST_PROXY: value }).trustProxy).toBe(0);
      },
    );

    it.each([
      ['1', 1],
      ['2', 2],
      [' 3 ', 3],
    ])('should read %p as a hop count of %p', (value, hops) => {
      expect(loadAppConfig({ TRUST_PROXY: value }).trustProxy).toBe(hops);
    });

    it.each(['true', 'TRUE', 'True', 'yes', 'on'])(
      'should refuse the old boolean %p, asking for a hop count or CIDRs',
      (value) => {
        const { problems } = configError({ TRUST_PROXY: value });
        expect(problems).toHaveLength(1);
        expect(problems[0]).toMatch(/^TRUST_PROXY /);
        expect(problems[0]).toMatch(/hop count/);
        expect(problems[0]).toMatch(/CIDR/);
      },
    );

    it('should read one CIDR as a list of one', () => {
      expect(loadAppConfig({ TRUST_PROXY: '10.0.0.0/8' }).trustProxy).toEqual(['10.0.0.0/8']);
    });

    it('should read a comma-separated list of IPv4 and IPv6 CIDRs and single addresses', () => {
      expect(
        loadAppConfig({ TRUST_PROXY: '10.0.0.0/8, 172.16.0.0/12 ,fd00::/8,192.0.2.10,::1' })
          .trustProxy,
      ).toEqual(['10.0.0.0/8', '172.16.0.0/12', 'fd00::/8', '192.0.2.10', '::1']);
    });

    it.each([
      '10.0.0.0/33',
      'fd00::/129',
      '10.0.0.0/0',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      '10.0.0/8',
      '10.0.0.0/255.0.0.0',
      '10.0.0.0/+8',
      'proxy.internal',
      'loopback',
      'fe80::1%eth0',
      '1.5',
      '-1',
      '10.0.0.0/8,not-an-address',
    ])('should refuse %p, naming TRUST_PROXY', (value) => {
      const { problems } = configError({ TRUST_PROXY: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY /);
    });

    it('should refuse a hop count over 32', () => {
      expect(configError({ TRUST_PROXY: '33' }).problems[0]).toMatch(/^TRUST_PROXY /);
    });
  });

  describe.each(['production', 'staging', 'prod', 'Production', ' production ', 'Development'])(
    'with NODE_ENV=%p',
    (nodeEnv) => {
      it('should report production', () => {
        expect(loadAppConfig({ NODE_ENV: nodeEnv }).isProduction).toBe(true);
      });

      it('should make cookies Secure and refuse COOKIE_SECURE=false', () => {
        expect(loadAppConfig({ NODE_ENV: nodeEnv }).cookieSecure).toBe(true);
        expect(configError({ NODE_ENV: nodeEnv, COOKIE_SECURE: 'false' }).message).toMatch(
          /COOKIE_SECURE/,
        );
      });

      it('should not seed demo data unless asked', () => {
        expect(loadAppConfig({ NODE_ENV: nodeEnv }).seedDemoData).toBe(false);
      });
    },
  );

  describe.each(['development', 'test'])('with NODE_ENV=%p', (nodeEnv) => {
    it('should report development rules', () => {
      expect(loadAppConfig({ NODE_ENV: nodeEnv }).isProduction).toBe(false);
    });

    it('should allow COOKIE_SECURE=false', () => {
      expect(loadAppConfig({ NODE_ENV: nodeEnv, COOKIE_SECURE: 'false' }).cookieSecure).toBe(false);
    });
  });
});
