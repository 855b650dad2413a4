import { AZURE_API_VERSION } from './config';
import { hmacBase64 } from './shared-key';

/**
 * A Blob service SAS signed with the account key, written from the REST reference ("Create a
 * service SAS", the string-to-sign of versions 2020-12-06 and later, which the service version the
 * driver sends — AZURE_API_VERSION — still uses):
 *
 *   StringToSign = signedPermissions \n signedStart \n signedExpiry \n canonicalizedResource \n
 *                  signedIdentifier \n signedIP \n signedProtocol \n signedVersion \n
 *                  signedResource \n signedSnapshotTime \n signedEncryptionScope \n
 *                  rscc \n rscd \n rsce \n rscl \n rsct
 *   canonicalizedResource = /blob/<account>/<container>[/<blob name, not encoded>]
 *   sig = base64(HMAC-SHA256(base64decode(key), UTF-8(StringToSign)))
 *
 * The driver mints one for a server-side copy's source when it authorizes with Shared Key: Copy
 * Blob From URL and Put Block From URL read the source as an anonymous client would, so the
 * source URL must carry its own authorization (adrs/0021). Fields the driver never sets (start,
 * identifier, IP, protocol, snapshot, encryption scope, response overrides) are empty lines.
 */
export interface ServiceSas {
  accountName: string;
  accountKey: string;
  container: string;
  /** The blob (prefix applied) for `sr=b`; absent for the whole container (`sr=c`). */
  blob?: string;
  /** Permission letters in Azure's order, e.g. `r` or `racwdl`. */
  permissions: string;
  expiry: Date;
  /** The signed version; the driver's own by default. */
  version?: string;
}

/** Azure wants ISO 8601 without milliseconds. */
function sasTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The SAS token (query string without '?'). */
export async function serviceSas(sas: ServiceSas): Promise<string> {
  const sv = sas.version ?? AZURE_API_VERSION;
  const sr = sas.blob === undefined ? 'c' : 'b';
  const se = sasTime(sas.expiry);
  const resource = `/blob/${sas.accountName}/${sas.container}${sas.blob === undefined ? '' : `/${sas.blob}`}`;
  // sp, st, se, resource, si, sip, spr, sv, sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct
  const stringToSign = [sas.permissions, '', se, resource, '', '', '', sv, sr, '', '', '', '', '', '', ''].join('\n');
  const sig = await hmacBase64(sas.accountKey, stringToSign);
  return new URLSearchParams({ sv, sr, sp: sas.permissions, se, sig }).toString();
}
