import { createApp } from './app';
import type { Env } from './env';
import { pruneExpired } from './ops/retention';

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(pruneExpired(env, new Date(controller.scheduledTime))),
} satisfies ExportedHandler<Env>;
