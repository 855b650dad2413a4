declare module 'vitest' {
  export interface ProvidedContext {
    /** s3rver on 127.0.0.1 (test/storage/upstreams/global-setup.ts), bucket `contract`. */
    s3rverUrl: string;
    /** s3rver behind a proxy that counts body bytes each way (test/storage/upstreams/counting-proxy.ts). */
    countingS3rverUrl: string;
    /** The deliberately faulty upstream (test/storage/upstreams/fault-server.ts). */
    faultyUpstreamUrl: string;
    /** A 127.0.0.1 port nothing listens on. */
    closedUpstreamUrl: string;
    /** A second bucketgate (scripts/dev.mjs) with its seeded `demo` bucket and a demo key allowed s3:* on it. */
    upstreamGateway: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
  }
}
export {};
