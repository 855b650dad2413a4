import { createApp } from './app';
import type { Env } from './env';
import { abortStaleUploads } from './s3/stale-uploads';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron (wrangler.toml [triggers]): abort multipart uploads nobody completed or aborted.
  scheduled: (controller, env, ctx) => ctx.waitUntil(abortStaleUploads(env, new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env>;
