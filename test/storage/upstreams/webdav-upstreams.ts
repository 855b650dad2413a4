import type { TestProject } from 'vitest/node';
import { startApacheDav } from './apache-dav-process';
import { startCountingProxy } from './counting-proxy';
import { startNextcloudFake } from './nextcloud-fake';
import { startRcloneWebDav } from './rclone-webdav-process';

export interface WebDavServerInfo {
  url: string;
  username: string;
  password: string;
}

/**
 * The WebDAV servers of the `webdav` driver's contract runners: Apache httpd + mod_dav, `rclone
 * serve webdav`, and the Nextcloud fake (chunked upload v2). Provided to the tests by name; returns
 * the function that stops them all.
 */
export async function startWebDavUpstreams(project: TestProject): Promise<() => Promise<void>> {
  const started = await Promise.allSettled([startApacheDav(), startRcloneWebDav(), startNextcloudFake()]);
  const stops = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.stop] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    await Promise.allSettled(stops.map((stop) => stop()));
    throw (failed as PromiseRejectedResult).reason;
  }
  const [apache, rclone, nextcloud] = started.map((s) => (s as PromiseFulfilledResult<WebDavServerInfo & { stop(): Promise<void> }>).value);
  const info = (s: WebDavServerInfo): WebDavServerInfo => ({ url: s.url, username: s.username, password: s.password });
  project.provide('apacheDav', info(apache!));
  // Apache again, through a proxy that counts requests by method (request-count tests: staging, listing cache).
  const counting = await startCountingProxy(new URL(apache!.url).origin);
  stops.push(counting.close);
  project.provide('countingApacheDav', { ...info(apache!), url: `${counting.url}${new URL(apache!.url).pathname}` });
  project.provide('rcloneWebDav', info(rclone!));
  project.provide('nextcloudFake', { ...info(nextcloud!), uploadsUrl: (nextcloud as unknown as { uploadsUrl: string }).uploadsUrl });
  return async () => {
    await Promise.allSettled(stops.map((stop) => stop()));
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    apacheDav: WebDavServerInfo;
    countingApacheDav: WebDavServerInfo;
    rcloneWebDav: WebDavServerInfo;
    nextcloudFake: WebDavServerInfo & { uploadsUrl: string };
  }
}
