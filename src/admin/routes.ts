import { Hono } from 'hono';
import type { Env } from '../env';
// PLACEHOLDER: replaced by the admin API.
export function adminRoutes() {
  return new Hono<{ Bindings: Env }>();
}
