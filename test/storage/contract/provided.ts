declare module 'vitest' {
  export interface ProvidedContext {
    /** s3rver on 127.0.0.1 (test/storage/upstreams/global-setup.ts), bucket `contract`. */
    s3rverUrl: string;
    /** The deliberately faulty upstream (test/storage/upstreams/fault-server.ts). */
    faultyUpstreamUrl: string;
    /** A 127.0.0.1 port nothing listens on. */
    closedUpstreamUrl: string;
  }
}
export {};
