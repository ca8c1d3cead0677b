import { clientAddressKey, digest } from './client-key';

describe('clientAddressKey', () => {
  it.each(['203.0.113.7', '10.0.0.1', '255.255.255.255'])(
    'should keep the IPv4 address %p',
    (ip) => {
      expect(clientAddressKey(ip)).toBe(ip);
    },
  );

  it('should give every address of one IPv6 /64 the same key', () => {
    const keys = [
      '2001:db8:1:2::1',
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:db8:1:2:a:b:c:d',
      '2001:0DB8:0001:0002:0000:0000:0000:0009',
    ].map(clientAddressKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1:2::/64']));
  });

  it('should give neighbouring IPv6 /64s different keys', () => {
    expect(clientAddressKey('2001:db8:1:2::1')).not.toBe(clientAddressKey('2001:db8:1:3::1'));
  });

  it('should expand a compressed IPv6 prefix before grouping', () => {
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('fe80::')).toBe('fe80:0:0:0::/64');
  });

  it('should count an IPv4 client seen through a dual-stack socket as that IPv4 address', () => {
    expect(clientAddressKey('::ffff:198.51.100.4')).toBe('198.51.100.4');
    expect(clientAddressKey('::FFFF:c633:6404')).toBe('198.51.100.4');
  });

  it('should ignore an IPv6 zone id', () => {
    expect(clientAddressKey('fe80::1%eth0')).toBe(clientAddressKey('fe80::2%wlan1'));
  });

  it.each([
    ['a hostname', 'proxy.internal'],
    ['an address with a port', '203.0.113.7:4000'],
    ['an IPv4 address with leading zeros', '010.0.0.1'],
    ['a forwarded list', '203.0.113.7, 10.0.0.1'],
    ['8 kB of text', 'x'.repeat(8192)],
  ])('should reduce %s to a 22-character digest', (_what, value) => {
    const key = clientAddressKey(value);
    expect(key).toBe(`#${digest(value)}`);
    expect(key).toMatch(/^#[A-Za-z0-9_-]{22}$/);
  });

  it('should give different text different digests', () => {
    expect(clientAddressKey('x'.repeat(8192))).not.toBe(clientAddressKey('x'.repeat(8191)));
  });

  it('should not confuse a client sending the text "unknown" with a missing address', () => {
    expect(clientAddressKey('unknown')).not.toBe(clientAddressKey(undefined));
  });

  it.each([null, undefined, ''])('should call a missing address (%p) unknown', (ip) => {
    expect(clientAddressKey(ip)).toBe('unknown');
  });
});
