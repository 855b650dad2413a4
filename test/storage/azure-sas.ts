import { hmacBase64 } from '../../src/storage/azure/shared-key';

/**
 * A service SAS for a whole container (sr=c, sv=2020-12-06), signed with the account key as the
 * Blob REST reference "Create a service SAS" describes — what an operator would paste into a
 * connection. Test helper only: the gateway never mints SAS tokens.
 */
export async function containerSas(accountName: string, accountKey: string, container: string, permissions: string, expiry = new Date(Date.now() + 3600_000)): Promise<string> {
  const se = expiry.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const sv = '2020-12-06';
  // sp, st, se, canonicalized resource, si, sip, spr, sv, sr, snapshot time, ses, rscc, rscd, rsce, rscl, rsct
  const stringToSign = [permissions, '', se, `/blob/${accountName}/${container}`, '', '', '', sv, 'c', '', '', '', '', '', '', ''].join('\n');
  const sig = await hmacBase64(accountKey, stringToSign);
  return new URLSearchParams({ sv, sr: 'c', sp: permissions, se, sig }).toString();
}
