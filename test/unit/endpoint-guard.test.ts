import { describe, expect, it } from 'vitest';
import { checkEndpoint, type EndpointRefusal, parseAllowList } from '../../src/storage/endpoint-guard';

const none = parseAllowList(undefined);

function reason(raw: string, allow = none): EndpointRefusal | 'ok' {
  const result = checkEndpoint(raw, allow);
  return result.ok ? 'ok' : result.reason;
}

describe('checkEndpoint: accepted', () => {
  it.each([
    'https://s3.eu-west-1.amazonaws.com',
    'https://account.r2.cloudflarestorage.com/',
    'https://storage.googleapis.com',
    'https://s3.us-west-004.backblazeb2.com:443',
    'https://minio.example.com:9000',
    'https://8.8.8.8',
    'https://[2606:4700:4700::1111]',
    'https://s3.example.com.',
  ])('%s', (raw) => {
    expect(reason(raw)).toBe('ok');
  });
});

describe('checkEndpoint: scheme', () => {
  it.each([
    ['http://s3.example.com', 'insecure-scheme'],
    ['ftp://s3.example.com', 'scheme-not-allowed'],
    ['file:///etc/passwd', 'scheme-not-allowed'],
    ['gopher://s3.example.com:70/', 'scheme-not-allowed'],
    ['ws://s3.example.com', 'scheme-not-allowed'],
    ['data:text/plain,hi', 'scheme-not-allowed'],
    ['javascript:alert(1)', 'scheme-not-allowed'],
    ['s3.example.com', 'malformed-url'],
    ['//s3.example.com', 'malformed-url'],
    ['', 'malformed-url'],
  ] as const)('%s → %s', (raw, expected) => {
    expect(reason(raw)).toBe(expected);
  });
});

describe('checkEndpoint: userinfo and extra components', () => {
  it.each([
    ['https://user:pass@s3.example.com', 'userinfo'],
    ['https://user@s3.example.com', 'userinfo'],
    ['https://@s3.example.com', 'userinfo'],
    ['https://s3.example.com@127.0.0.1', 'userinfo'],
    ['https://s3.example.com?x=1', 'unexpected-component'],
    ['https://s3.example.com#frag', 'unexpected-component'],
    ['https://s3.example.com/?', 'unexpected-component'],
  ] as const)('%s → %s', (raw, expected) => {
    expect(reason(raw)).toBe(expected);
  });
});

describe('checkEndpoint: private names', () => {
  it.each([
    'https://localhost',
    'https://LOCALHOST:9000',
    'https://localhost.',
    'https://foo.localhost',
    'https://a.b.localhost.',
    'https://metadata.google.internal',
    'https://instance-data',
    'https://metadata',
    'https://printer.local',
    'https://box.localdomain',
    'https://nas.home.arpa',
    'https://db.corp',
    'https://1.0.0.127.in-addr.arpa',
    'https://%6c%6f%63%61%6c%68%6f%73%74',
    'https://ⓛocalhost',
  ])('%s → private-hostname', (raw) => {
    expect(reason(raw)).toBe('private-hostname');
  });
});

describe('checkEndpoint: IPv4 ranges', () => {
  it.each([
    'https://127.0.0.1',
    'https://127.255.255.254:9000',
    'https://10.0.0.1',
    'https://172.16.0.1',
    'https://172.31.255.255',
    'https://192.168.1.1',
    'https://169.254.169.254',
    'https://169.254.170.2',
    'https://100.64.0.1',
    'https://100.127.255.255',
    'https://0.0.0.0',
    'https://0.1.2.3',
    'https://224.0.0.1',
    'https://239.255.255.250',
    'https://240.0.0.1',
    'https://255.255.255.255',
    'https://192.0.0.170',
    'https://198.18.0.1',
    'https://192.0.2.1',
  ])('%s → private-address', (raw) => {
    expect(reason(raw)).toBe('private-address');
  });

  it('lets the neighbours of blocked ranges through', () => {
    for (const raw of ['https://172.32.0.1', 'https://100.128.0.1', 'https://11.0.0.1', 'https://169.253.255.255', 'https://1.1.1.1']) {
      expect(reason(raw), raw).toBe('ok');
    }
  });
});

describe('checkEndpoint: IPv4 spellings the URL parser would normalise', () => {
  it.each([
    'https://2130706433',
    'https://0x7f000001',
    'https://0177.0.0.1',
    'https://0177.0000.0000.0001',
    'https://0x7f.1',
    'https://0x7f.0.0.1',
    'https://127.1',
    'https://127.0.1',
    'https://017700000001',
    'https://127.000.000.001',
    'https://%31%32%37.0.0.1',
    'https://１２７.０.０.１',
    // Non-canonical spellings are refused even when the address would be public.
    'https://134744072',
    'https://0x08.0x08.0x08.0x08',
    'https://8.8.2056',
  ])('%s → non-canonical-ip', (raw) => {
    expect(reason(raw)).toBe('non-canonical-ip');
  });
});

describe('checkEndpoint: IPv6', () => {
  it.each([
    'https://[::1]',
    'https://[::]',
    'https://[0:0:0:0:0:0:0:1]',
    'https://[::ffff:127.0.0.1]',
    'https://[::ffff:7f00:1]',
    'https://[::ffff:8.8.8.8]',
    'https://[::127.0.0.1]',
    'https://[::7f00:1]',
    'https://[64:ff9b::127.0.0.1]',
    'https://[64:ff9b::a9fe:a9fe]',
    'https://[64:ff9b::10.0.0.1]',
    'https://[64:ff9b:1::1]',
    'https://[fd00:ec2::254]',
    'https://[fc00::1]',
    'https://[fdff:ffff::1]',
    'https://[fe80::1]',
    'https://[febf::1]',
    'https://[fec0::1]',
    'https://[ff02::1]',
    'https://[2001:db8::1]',
    'https://[2002:7f00:1::]',
    'https://[2001::1]',
    'https://[100::1]',
  ])('%s → private-address', (raw) => {
    expect(reason(raw)).toBe('private-address');
  });
});

describe('checkEndpoint: operator allow-list', () => {
  const allow = parseAllowList(' 127.0.0.1:9000, minio.lan ,[::1]:8080,');

  it('admits an allow-listed host on http, with the listed port only', () => {
    expect(reason('http://127.0.0.1:9000', allow)).toBe('ok');
    expect(reason('http://127.0.0.1:9001', allow)).toBe('insecure-scheme');
    expect(reason('https://127.0.0.1:9001', allow)).toBe('private-address');
    expect(reason('https://127.0.0.1', allow)).toBe('private-address');
  });

  it('admits every port of a host listed without one', () => {
    expect(reason('http://minio.lan', allow)).toBe('ok');
    expect(reason('https://minio.lan:9443', allow)).toBe('ok');
    expect(reason('https://other.lan', allow)).toBe('private-hostname');
  });

  it('admits bracketed IPv6 entries', () => {
    expect(reason('http://[::1]:8080', allow)).toBe('ok');
    expect(reason('http://[::1]:8081', allow)).toBe('insecure-scheme');
  });

  it('still refuses userinfo and non-http schemes for allow-listed hosts', () => {
    expect(reason('http://u:p@127.0.0.1:9000', allow)).toBe('userinfo');
    expect(reason('ftp://127.0.0.1:9000', allow)).toBe('scheme-not-allowed');
  });

  it('does not admit other spellings of a listed address', () => {
    expect(reason('http://2130706433:9000', allow)).toBe('non-canonical-ip');
    expect(reason('http://127.1:9000', allow)).toBe('non-canonical-ip');
  });

  it('returns the parsed URL for accepted endpoints', () => {
    const result = checkEndpoint('https://S3.Example.com:8443/base', none);
    expect(result.ok && result.url.host).toBe('s3.example.com:8443');
  });
});
