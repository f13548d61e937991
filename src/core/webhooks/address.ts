// Where a webhook may be sent (SSRF). Only public unicast addresses: loopback, private (RFC 1918),
// link-local, CGNAT, multicast, broadcast, reserved, IPv6 unique-local, and the IPv6 forms that
// embed an IPv4 address (mapped, NAT64, 6to4, Teredo) are refused unless the deployment allows
// private targets. Checked on the resolved address, at registration and again at each delivery.
import ipaddr from 'ipaddr.js';

export type AddressVerdict = { ok: true } | { ok: false; reason: string };

export function addressAllowed(ip: string, allowPrivate: boolean): AddressVerdict {
  if (!ipaddr.isValid(ip)) return { ok: false, reason: `not an IP address: ${ip}` };
  let addr = ipaddr.parse(ip);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) addr = (addr as ipaddr.IPv6).toIPv4Address();
  if (allowPrivate) return { ok: true };
  const range = addr.range();
  return range === 'unicast' ? { ok: true } : { ok: false, reason: `${ip} is a ${range} address` };
}

/** The URL's own rules: http(s), no credentials in it. The host is checked once resolved. */
export function urlProblem(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'must be http or https';
  if (u.username || u.password) return 'must not carry credentials';
  if (!u.hostname) return 'has no host';
  return undefined;
}
