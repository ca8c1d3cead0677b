import { ConfigError, EnvReader, parseDuration } from './env-parsers';

describe('parseDuration', () => {
  it.each([
    ['900', 900_000],
    ['10s', 10_000],
    ['500ms', 500],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['7d', 604_800_000],
    [' 15m ', 900_000],
  ])('should read %p as %p ms', (value, expected) => {
    expect(parseDuration(value)).toBe(expected);
  });

  it.each(['', '15 minutes', '-1', '1.5h', 'abc', '15M', '1w', 'ms', '99999999999999999999d'])(
    'should reject %p',
    (value) => {
      expect(parseDuration(value)).toBeUndefined();
    },
  );
});

describe('EnvReader', () => {
  describe('raw', () => {
    it('should treat a blank value as unset', () => {
      expect(new EnvReader({ NAME: '   ' }).raw('NAME')).toBeUndefined();
    });

    it('should trim surrounding whitespace', () => {
      expect(new EnvReader({ NAME: '  value \n' }).raw('NAME')).toBe('value');
    });
  });

  describe('string', () => {
    it('should return the fallback when the variable is unset', () => {
      expect(new EnvReader({}).string('NAME', 'fallback')).toBe('fallback');
    });
  });

  describe('isProduction', () => {
    it.each(['production', ' production ', 'staging', 'prod', 'Production', 'PRODUCTION', 'qa'])(
      'should apply the production rules for NODE_ENV=%p',
      (value) => {
        expect(new EnvReader({ NODE_ENV: value }).isProduction).toBe(true);
      },
    );

    it.each(['Development', 'TEST', 'dev', 'development-local'])(
      'should apply the production rules for %p, which only resembles a relaxed name',
      (value) => {
        expect(new EnvReader({ NODE_ENV: value }).isProduction).toBe(true);
      },
    );

    it.each(['development', 'test', ' development ', 'test\n'])(
      'should relax the rules for NODE_ENV=%p',
      (value) => {
        expect(new EnvReader({ NODE_ENV: value }).isProduction).toBe(false);
      },
    );

    it('should relax the rules when NODE_ENV is unset, which means development', () => {
      const read = new EnvReader({});
      expect(read.nodeEnv).toBe('development');
      expect(read.isProduction).toBe(false);
    });
  });

  describe('int', () => {
    it('should parse a whole number within the range', () => {
      const read = new EnvReader({ PORT: '8080' });
      expect(read.int('PORT', 3000, 1, 65_535)).toBe(8080);
      expect(read.problems).toEqual([]);
    });

    it('should return the fallback without a problem when unset', () => {
      const read = new EnvReader({});
      expect(read.int('PORT', 3000, 1, 65_535)).toBe(3000);
      expect(read.problems).toEqual([]);
    });

    it.each(['abc', '12.5', '-1', '0', '70000', '1e3'])(
      'should record a problem naming the variable for %p',
      (value) => {
        const read = new EnvReader({ PORT: value });
        expect(read.int('PORT', 3000, 1, 65_535)).toBe(3000);
        expect(read.problems).toHaveLength(1);
        expect(read.problems[0]).toContain('PORT');
      },
    );
  });

  describe('bool', () => {
    it.each(['true', '1', 'yes', 'on', 'TRUE', 'Yes'])('should read %p as true', (value) => {
      const read = new EnvReader({ FLAG: value });
      expect(read.bool('FLAG', false)).toBe(true);
      expect(read.problems).toEqual([]);
    });

    it.each(['false', '0', 'no', 'off', 'OFF'])('should read %p as false', (value) => {
      const read = new EnvReader({ FLAG: value });
      expect(read.bool('FLAG', true)).toBe(false);
      expect(read.problems).toEqual([]);
    });

    it('should return the fallback when unset', () => {
      expect(new EnvReader({}).bool('FLAG', true)).toBe(true);
    });

    it('should record a problem naming the variable for anything else', () => {
      const read = new EnvReader({ FLAG: 'maybe' });
      expect(read.bool('FLAG', true)).toBe(true);
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toContain('FLAG');
    });
  });

  describe('duration', () => {
    it('should parse a valid duration into milliseconds', () => {
      const read = new EnvReader({ TTL: '15m' });
      expect(read.duration('TTL', '1h')).toBe(900_000);
      expect(read.problems).toEqual([]);
    });

    it('should use the fallback when unset', () => {
      expect(new EnvReader({}).duration('TTL', '1h')).toBe(3_600_000);
    });

    it('should record a problem naming the variable and return the fallback for garbage', () => {
      const read = new EnvReader({ TTL: 'abc' });
      expect(read.duration('TTL', '1h')).toBe(3_600_000);
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toContain('TTL');
    });

    it('should record a problem for a duration below the minimum', () => {
      const read = new EnvReader({ TTL: '5s' });
      expect(read.duration('TTL', '1h', 10_000)).toBe(3_600_000);
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toContain('TTL');
    });

    it('should accept zero when the minimum is zero', () => {
      const read = new EnvReader({ GRACE: '0' });
      expect(read.duration('GRACE', '10s', 0)).toBe(0);
      expect(read.problems).toEqual([]);
    });
  });

  describe('url', () => {
    it('should accept a URL with an allowed protocol', () => {
      const read = new EnvReader({ REDIS_URL: 'redis://cache:6379' });
      expect(read.url('REDIS_URL', ['redis:', 'rediss:'])).toBe('redis://cache:6379');
      expect(read.problems).toEqual([]);
    });

    it('should return undefined without a problem when unset', () => {
      const read = new EnvReader({});
      expect(read.url('REDIS_URL', ['redis:'])).toBeUndefined();
      expect(read.problems).toEqual([]);
    });

    it('should record a problem naming the variable without echoing a URL of another protocol', () => {
      const value = 'postgres://admin:s3cr3t-passw0rd@db.internal:5432/app';
      const read = new EnvReader({ REDIS_URL: value });
      expect(read.url('REDIS_URL', ['redis:', 'rediss:'])).toBeUndefined();
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toContain('REDIS_URL');
      expect(read.problems[0]).not.toContain('s3cr3t-passw0rd');
      expect(read.problems[0]).not.toContain('db.internal');
    });

    it('should record a problem without echoing a value that is not a URL at all', () => {
      const read = new EnvReader({ REDIS_URL: 'redis//admin:s3cr3t-passw0rd@cache' });
      expect(read.url('REDIS_URL', ['redis:'])).toBeUndefined();
      expect(read.problems).toHaveLength(1);
      expect(read.problems[0]).toContain('REDIS_URL');
      expect(read.problems[0]).not.toContain('s3cr3t-passw0rd');
    });
  });

  describe('done', () => {
    it('should not throw when there is no problem', () => {
      const read = new EnvReader({ PORT: '8080' });
      read.int('PORT', 3000, 1, 65_535);
      expect(() => read.done()).not.toThrow();
    });

    it('should throw a ConfigError listing every problem', () => {
      const read = new EnvReader({ PORT: 'abc', FLAG: 'maybe', TTL: 'soon' });
      read.int('PORT', 3000, 1, 65_535);
      read.bool('FLAG', false);
      read.duration('TTL', '1h');
      read.fail('SOMETHING else is wrong');

      let thrown: unknown;
      try {
        read.done();
      } catch (error) {
        thrown = error;
      }

      expect(thrown).toBeInstanceOf(ConfigError);
      const configError = thrown as ConfigError;
      expect(configError.problems).toHaveLength(4);
      for (const name of ['PORT', 'FLAG', 'TTL', 'SOMETHING']) {
        expect(configError.message).toContain(name);
      }
    });
  });
});
