import { z } from 'zod';
import { CommonPatchFields } from '../registry/connection-schemas';
import type { ConnectionKind, ConnectionRecord, LocationRecord } from './kind-types';
import { AzureConnection, azureKind, AzureLocation } from './kinds/azure';
import { S3Connection, s3Kind, S3Location } from './kinds/s3';
import { WebDavConnection, webdavKind, WebDavLocation } from './kinds/webdav';

/**
 * Every kind of storage connection, by kind (adrs/0023) — the connection-side mirror of the driver
 * table (src/storage/drivers.ts). Adding a kind is one file in kinds/ and one line in each list
 * below; nothing else switches on the kind.
 */
export const CONNECTION_KINDS = {
  s3: s3Kind,
  azure: azureKind,
  webdav: webdavKind,
} as const;

export type ConnectionKindName = keyof typeof CONNECTION_KINDS;

/** A kind, seen without its types: what the registry and openBackend dispatch through. */
export type AnyConnectionKind = ConnectionKind<ConnectionRecord, unknown, LocationRecord, { mode: string }>;

export function connectionKind(kind: string): AnyConnectionKind | undefined {
  return Object.hasOwn(CONNECTION_KINDS, kind) ? (CONNECTION_KINDS[kind as ConnectionKindName] as unknown as AnyConnectionKind) : undefined;
}

/** POST /admin/v1/connections: one variant per kind. */
export const ConnectionCreateInput = z.discriminatedUnion('kind', [s3Kind.createInput, azureKind.createInput, webdavKind.createInput]);

/**
 * PATCH and /rotate bodies of any kind, for the API document. The registry parses a PATCH or a
 * rotation with the fields and auth modes of the connection's own kind (read first).
 */
export const ConnectionPatchInput = z.union([
  z.strictObject({ ...CommonPatchFields, ...s3Kind.patchFields }),
  z.strictObject({ ...CommonPatchFields, ...azureKind.patchFields }),
  z.strictObject({ ...CommonPatchFields, ...webdavKind.patchFields }),
]);
export const ConnectionRotateInput = z.strictObject({ auth: z.union([s3Kind.authInput, azureKind.authInput, webdavKind.authInput]) });

/** A connection as the admin API answers it and the registry caches it (public part). */
export const Connection = z.discriminatedUnion('kind', [S3Connection, AzureConnection, WebDavConnection]);
export type Connection = z.infer<typeof Connection>;

/** The connection as D1 and KV hold it: its secret stays sealed. */
export const StoredConnection = z.discriminatedUnion('kind', [
  S3Connection.extend({ sealedCredential: z.string().nullable() }),
  AzureConnection.extend({ sealedCredential: z.string().nullable() }),
  WebDavConnection.extend({ sealedCredential: z.string().nullable() }),
]);
export type StoredConnection = z.infer<typeof StoredConnection>;

/** In isolate memory only: the connection with its sealed secret opened (its shape is the kind's). */
export interface LiveConnection {
  connection: Connection;
  secret: unknown;
}

/** A bucket's backend on a connection: one variant per kind, `type` being the kind. */
export const CONNECTION_LOCATIONS = [S3Location, AzureLocation, WebDavLocation] as const;
export type ConnectionLocation = z.output<(typeof CONNECTION_LOCATIONS)[number]>;
