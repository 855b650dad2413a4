import { createApp } from './app';
import type { Env } from './env';
import { runScheduledTasks } from './ops/scheduled';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // Cron (wrangler.toml [triggers]): stale multipart uploads and retention (src/ops/scheduled.ts).
  scheduled: (controller, env, ctx) => ctx.waitUntil(runScheduledTasks(env, new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env>;
