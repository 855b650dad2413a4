declare module 'vitest' {
  export interface ProvidedContext {
    /** s3rver on 127.0.0.1 (test/storage/upstreams/global-setup.ts), bucket `contract`. */
    s3rverUrl: string;
    /** Azurite's blob service (test/storage/upstreams/azurite-process.ts): http://127.0.0.1:<port>/devstoreaccount1, container `contract`. */
    azuriteAccountUrl: string;
    /** s3rver behind a proxy that counts body bytes each way (test/storage/upstreams/counting-proxy.ts). */
    countingS3rverUrl: string;
    /** Azurite behind the same kind of proxy, account path included: http://127.0.0.1:<port>/devstoreaccount1. */
    countingAzuriteUrl: string;
    /** The deliberately faulty upstream (test/storage/upstreams/fault-server.ts). */
    faultyUpstreamUrl: string;
    /** A 127.0.0.1 port nothing listens on. */
    closedUpstreamUrl: string;
    /** A second bucketgate (scripts/dev.mjs) with its seeded `demo` bucket and a demo key allowed s3:* on it. */
    upstreamGateway: { endpoint: string; region: string; bucket: string; accessKeyId: string; secretAccessKey: string };
    /** WebDAV servers of the webdav runners (test/storage/upstreams/webdav-upstreams.ts): Apache mod_dav, rclone, the Nextcloud fake. */
    apacheDav: { url: string; username: string; password: string };
    /** Apache through test/storage/upstreams/counting-proxy.ts (`GET /__requests?under=<path>`). */
    countingApacheDav: { url: string; username: string; password: string };
    rcloneWebDav: { url: string; username: string; password: string };
    nextcloudFake: { url: string; username: string; password: string; uploadsUrl: string };
  }
}
export {};
