// Where a webhook may go (SSRF), checked on the resolved addresses: at registration, and at each
// delivery by the connection's own DNS lookup, so the address checked is the address connected
// to (a name that re-resolves to 127.0.0.1 later is refused then). Redirects are never followed.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import { addressAllowed, urlProblem } from '../core/webhooks/address.js';

export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** The URL's host without IPv6 brackets. */
export const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => dnsLookup(host, { all: true }, (err, addrs) => (err ? reject(err) : resolve(addrs))));
}

/** Refuses (TargetRefused) a URL that is malformed or resolves to an address not allowed. */
export async function checkTarget(raw: string, allowPrivate: boolean): Promise<void> {
  const problem = urlProblem(raw);
  if (problem) throw new TargetRefused(`url ${problem}`);
  const host = hostOf(new URL(raw));
  let addrs: LookupAddress[];
  try {
    addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolveAll(host);
  } catch (err) {
    throw new TargetRefused(`host ${host} does not resolve (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  for (const a of addrs) {
    const v = addressAllowed(a.address, allowPrivate);
    if (!v.ok) throw new TargetRefused(`host ${host} is not allowed: ${v.reason}`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request: resolves, refuses the connection if any address is not allowed,
 * and hands the checked addresses to the socket (the pin).
 */
export function pinnedLookup(allowPrivate: boolean) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    dnsLookup(hostname, { all: true, ...(options.family ? { family: options.family } : {}) }, (err, addrs) => {
      if (err) return callback(err, '', 0);
      const bad = addrs.map((a) => addressAllowed(a.address, allowPrivate)).find((v) => !v.ok);
      if (bad && !bad.ok) return callback(new TargetRefused(`host ${hostname} is not allowed: ${bad.reason}`), '', 0);
      if (options.all) return callback(null, addrs);
      const first = addrs[0]!;
      callback(null, first.address, first.family);
    });
  };
}
