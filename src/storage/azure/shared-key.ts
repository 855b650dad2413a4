/**
 * Azure Storage Shared Key authorization (the "SharedKey" scheme of the Blob service), written
 * from the REST reference ("Authorize with Shared Key") because no maintained library signs on
 * Workers without Node's crypto: @azure/storage-blob is Node-centric and heavy (adrs/0021).
 *
 *   StringToSign = VERB \n Content-Encoding \n Content-Language \n Content-Length \n Content-MD5 \n
 *                  Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n
 *                  If-Unmodified-Since \n Range \n CanonicalizedHeaders CanonicalizedResource
 *   Authorization = SharedKey <account>:base64(HMAC-SHA256(base64decode(key), UTF-8(StringToSign)))
 *
 * Content-Length is empty when zero (versions 2015-02-21 and later). Date is empty because
 * x-ms-date is sent (it is then part of the canonicalized headers).
 */

const STANDARD_HEADERS = [
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;

/** `x-ms-*` headers: lowercased names, sorted, values with folded whitespace trimmed, one per line. */
function canonicalizedHeaders(headers: Headers): string {
  const names: string[] = [];
  headers.forEach((_value, name) => {
    if (name.startsWith('x-ms-')) names.push(name);
  });
  names.sort();
  return names.map((name) => `${name}:${(headers.get(name) ?? '').replace(/\s+/g, ' ').trim()}\n`).join('');
}

/**
 * `/<account><encoded path>` then, per query parameter (names lowercased and sorted), a line
 * `name:value[,value…]` with values decoded and sorted. The path is the one sent on the wire:
 * for Azurite's path-style URLs it already starts with the account name, which then appears twice.
 */
function canonicalizedResource(url: URL, accountName: string): string {
  let resource = `/${accountName}${url.pathname}`;
  const params = new Map<string, string[]>();
  url.searchParams.forEach((value, name) => {
    const key = name.toLowerCase();
    params.set(key, [...(params.get(key) ?? []), value]);
  });
  for (const name of [...params.keys()].sort()) resource += `\n${name}:${params.get(name)!.sort().join(',')}`;
  return resource;
}

export function stringToSign(method: string, url: URL, headers: Headers, accountName: string): string {
  const standard = STANDARD_HEADERS.map((name) => {
    const value = headers.get(name) ?? '';
    return name === 'content-length' && value === '0' ? '' : value;
  });
  return `${method.toUpperCase()}\n${standard.join('\n')}\n${canonicalizedHeaders(headers)}${canonicalizedResource(url, accountName)}`;
}

function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** HMAC-SHA256 of `text` under the base64 account key, base64: the signature of Shared Key and of SAS. */
export async function hmacBase64(accountKey: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', base64ToBytes(accountKey), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return bytesToBase64(new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(text))));
}

/**
 * Sets `Authorization` on `headers` for a request about to be sent. `headers` must already hold
 * everything that will go on the wire, including `content-length` for a body and `x-ms-date`.
 */
export async function signSharedKey(method: string, url: URL, headers: Headers, accountName: string, accountKey: string): Promise<void> {
  const signature = await hmacBase64(accountKey, stringToSign(method, url, headers, accountName));
  headers.set('authorization', `SharedKey ${accountName}:${signature}`);
}
