/**
 * SSRF guard for user-supplied upstream endpoints (S3 endpoints now; STS, WebDAV, Azure and token
 * URLs later). Pure and lexical: it judges the URL text and never resolves names, so it is cheap
 * enough to run before every upstream request as well as when an endpoint is saved.
 *
 * Policy: `https` only, to a public DNS name or a public IP written the canonical way. Hosts on the
 * operator's allow-list (`ALLOWED_UPSTREAM_HOSTS`, comma-separated `host[:port]`) are exempt from the
 * scheme and address rules: that is how local tests and private deployments reach e.g. 127.0.0.1.
 * What a public name resolves to is not checked here (see ADR 0017, "DNS").
 */

/** Why an endpoint was refused. Stable strings: shown to admins and asserted by tests. */
export type EndpointRefusal =
  /** Not an absolute URL. */
  | 'malformed-url'
  /** A scheme other than https/http. */
  | 'scheme-not-allowed'
  /** http to a host that is not on the allow-list. */
  | 'insecure-scheme'
  /** `user:password@` in the URL. */
  | 'userinfo'
  /** A query or fragment: an endpoint is a base URL. */
  | 'unexpected-component'
  /** localhost, *.localhost, *.internal, single-label names and other names that only mean something inside a network. */
  | 'private-hostname'
  /** An IP written other than as canonical dotted decimal (2130706433, 0177.0.0.1, 0x7f.1, 127.1, %-escapes, …). */
  | 'non-canonical-ip'
  /** An IP in a loopback, private, link-local, metadata, CGNAT, multicast, reserved or translated range. */
  | 'private-address';

export type EndpointCheck = { ok: true; url: URL } | { ok: false; reason: EndpointRefusal; detail: string };

/** Allow-listed hosts: `host` alone admits every port, `host:port` that port only. */
export interface AllowList {
  entries: ReadonlyArray<{ host: string; port?: string }>;
}

/** Parses `ALLOWED_UPSTREAM_HOSTS` ("127.0.0.1:9000, minio.lan"); blanks are ignored. */
export function parseAllowList(value: string | undefined): AllowList {
  const entries: { host: string; port?: string }[] = [];
  for (const raw of (value ?? '').split(',')) {
    const item = raw.trim().toLowerCase();
    if (!item) continue;
    // Bracketed IPv6 ("[::1]:9000") or host[:port].
    const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(item);
    if (match) entries.push({ host: stripDot(match[1]!), ...(match[2] ? { port: match[2] } : {}) });
  }
  return { entries };
}

const DEFAULT_PORT: Record<string, string> = { 'https:': '443', 'http:': '80' };

function isAllowListed(url: URL, allow: AllowList): boolean {
  const host = stripDot(url.hostname.toLowerCase());
  const port = url.port || DEFAULT_PORT[url.protocol] || '';
  return allow.entries.some((e) => e.host === host && (e.port === undefined || e.port === port));
}

/** Checks one endpoint URL; `ok` carries the parsed URL to use (never re-parse the raw text). */
export function checkEndpoint(raw: string, allow: AllowList): EndpointCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('malformed-url', 'not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return refuse('scheme-not-allowed', `scheme ${url.protocol} is not allowed`);
  // Userinfo is refused even when empty ("https://@host"): it only ever serves to confuse a reader.
  if (url.username || url.password || rawAuthority(raw).includes('@')) return refuse('userinfo', 'credentials in the URL are not allowed');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) return refuse('unexpected-component', 'an endpoint has no query or fragment');
  const host = stripDot(url.hostname.toLowerCase());
  // The URL parser turns 2130706433, 0x7f.1, 0177.0.0.1 and 127.1 into 127.0.0.1; whatever the
  // address (and even for an allow-listed one), a spelling other than the canonical one is a sign
  // of evasion, so refuse it as such.
  const rawHostText = rawHost(raw);
  if (parseCanonicalIPv4(host) !== null && stripDot(rawHostText.toLowerCase()) !== host) {
    return refuse('non-canonical-ip', `${rawHostText} is not a canonical IPv4 address`);
  }
  if (isAllowListed(url, allow)) return { ok: true, url };
  if (url.protocol !== 'https:') return refuse('insecure-scheme', 'only https endpoints are allowed');
  return checkHost(url, host);
}

function checkHost(url: URL, host: string): EndpointCheck {
  if (host.startsWith('[')) {
    const words = parseIPv6(host.slice(1, -1));
    if (!words) return refuse('malformed-url', 'unreadable IPv6 address');
    const why = blockedIPv6(words);
    return why ? refuse('private-address', why) : { ok: true, url };
  }
  const v4 = parseCanonicalIPv4(host);
  if (v4 !== null) {
    const why = blockedIPv4(v4);
    return why ? refuse('private-address', why) : { ok: true, url };
  }
  const why = privateHostname(host);
  return why ? refuse('private-hostname', why) : { ok: true, url };
}

/** Suffixes of names that resolve only inside a network (RFC 6761, 6762, 8375; cloud-internal zones). */
const PRIVATE_SUFFIXES = ['localhost', 'local', 'localdomain', 'internal', 'intranet', 'corp', 'home', 'lan', 'home.arpa', 'in-addr.arpa', 'ip6.arpa'];

function privateHostname(host: string): string | undefined {
  // A single label ("localhost", "metadata", "instance-data") resolves through search domains: internal by design.
  if (!host.includes('.')) return `${host} is not a fully qualified public name`;
  for (const suffix of PRIVATE_SUFFIXES) {
    if (host === suffix || host.endsWith(`.${suffix}`)) return `.${suffix} names are internal`;
  }
  return undefined;
}

/** [first address, prefix length, why] — IPv4 ranges no upstream may be reached on. */
const BLOCKED_V4: ReadonlyArray<[string, number, string]> = [
  ['0.0.0.0', 8, '"this network" (0.0.0.0/8)'],
  ['10.0.0.0', 8, 'private (RFC 1918)'],
  ['100.64.0.0', 10, 'carrier-grade NAT (100.64.0.0/10)'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link-local / cloud metadata'],
  ['172.16.0.0', 12, 'private (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'documentation'],
  ['192.88.99.0', 24, '6to4 relay anycast'],
  ['192.168.0.0', 16, 'private (RFC 1918)'],
  ['198.18.0.0', 15, 'benchmarking'],
  ['198.51.100.0', 24, 'documentation'],
  ['203.0.113.0', 24, 'documentation'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved / broadcast'],
];

function blockedIPv4(address: number): string | undefined {
  for (const [first, bits, why] of BLOCKED_V4) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if ((address & mask) >>> 0 === (parseCanonicalIPv4(first)! & mask) >>> 0) return `${formatIPv4(address)} is ${why}`;
  }
  return undefined;
}

/**
 * IPv6 is judged by allow-list: only global unicast (2000::/3) passes, minus ranges inside it that
 * embed or stand for something else. Everything outside — ::, ::1, IPv4-mapped/compatible, 64:ff9b::/96
 * NAT64 (whose private targets would otherwise slip through), fc00::/7 (incl. fd00:ec2::254),
 * fe80::/10, multicast — is refused.
 */
function blockedIPv6(w: number[]): string | undefined {
  if ((w[0]! & 0xe000) !== 0x2000) {
    if (w[0] === 0x64 && w[1] === 0xff9b) {
      return `NAT64 address ${natDetail(w)}`;
    }
    return 'not a global unicast IPv6 address (loopback, mapped, unique-local, link-local, multicast or reserved)';
  }
  if (w[0] === 0x2001 && w[1] === 0x0db8) return 'IPv6 documentation range';
  if (w[0] === 0x2001 && w[1]! < 0x200) return 'IPv6 special-purpose range (Teredo, ORCHID, benchmarking)';
  if (w[0] === 0x2002) return '6to4 address (embeds an IPv4 address)';
  return undefined;
}

function natDetail(w: number[]): string {
  const v4 = ((w[6]! << 16) | w[7]!) >>> 0;
  return blockedIPv4(v4) ?? `to ${formatIPv4(v4)} (translated addresses are not allowed)`;
}

/** Dotted decimal exactly as the URL parser serialises it (four parts, 0–255, no leading zeros). */
function parseCanonicalIPv4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let value = 0;
  for (const part of parts) {
    if (!/^(0|[1-9]\d{0,2})$/.test(part) || Number(part) > 255) return null;
    value = value * 256 + Number(part);
  }
  return value;
}

function formatIPv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.');
}

/** Eight 16-bit words, or null. Accepts `::` compression and a trailing dotted IPv4 part. */
function parseIPv6(text: string): number[] | null {
  const zone = text.indexOf('%');
  const body = zone === -1 ? text : text.slice(0, zone);
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const words = (half: string): number[] | null => {
    if (half === '') return [];
    const out: number[] = [];
    const groups = half.split(':');
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i]!;
      if (i === groups.length - 1 && group.includes('.')) {
        const v4 = parseCanonicalIPv4(group);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else if (/^[0-9a-f]{1,4}$/.test(group)) {
        out.push(parseInt(group, 16));
      } else {
        return null;
      }
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** The authority as written: between `//` and the first `/`, `\`, `?` or `#`. */
function rawAuthority(raw: string): string {
  const start = raw.indexOf('//');
  if (start === -1) return '';
  const rest = raw.slice(start + 2);
  const end = rest.search(/[/\\?#]/);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The host as written, without userinfo or port. */
function rawHost(raw: string): string {
  const authority = rawAuthority(raw.trim());
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

function stripDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}

function refuse(reason: EndpointRefusal, detail: string): EndpointCheck {
  return { ok: false, reason, detail };
}
