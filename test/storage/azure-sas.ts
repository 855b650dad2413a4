import { serviceSas } from '../../src/storage/azure/service-sas';

/**
 * A service SAS for a whole container (sr=c), signed with the account key by the driver's own
 * signer (src/storage/azure/service-sas.ts) — what an operator would paste into a connection.
 */
export async function containerSas(accountName: string, accountKey: string, container: string, permissions: string, expiry = new Date(Date.now() + 3600_000)): Promise<string> {
  return serviceSas({ accountName, accountKey, container, permissions, expiry });
}
