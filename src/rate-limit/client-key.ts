import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * The part of a client address a rate limit counts by (../shared/API.md, "Client addresses and
 * rate-limit keys"): an IPv4 address as it is, an IPv6 address by its /64 — one subscriber gets a
 * whole /64 and can pick any address in it, so counting single IPv6 addresses would give them
 * 2^64 budgets. Anything else is reduced to a fixed-length digest, so a key never holds more than
 * a few dozen bytes of whatever the client managed to put there.
 */
export function clientAddressKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.split('%')[0]; // an IPv6 zone id says nothing about who the client is
  if (isIPv4(address)) return address;
  if (isIPv6(address)) {
    const groups = expandIPv6(address);
    // An IPv4 client seen through a dual-stack socket (::ffff:a.b.c.d) is that IPv4 client.
    if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
      return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
    }
    return `${groups
      .slice(0, 4)
      .map((group) => group.toString(16))
      .join(':')}::/64`;
  }
  return `#${digest(ip)}`;
}

/** A short, fixed-length stand-in for client-chosen text in a key (22 characters, 128 bits). */
export function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url').slice(0, 22);
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1].split('.').map(Number);
    text =
      text.slice(0, dotted.index) + ((a << 8) | b).toString(16) + ':' + ((c << 8) | d).toString(16);
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  const front = parse(head);
  const back = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - front.length - back.length).fill(0);
  return [...front, ...zeros, ...back];
}
