import { SELF } from 'cloudflare:test';

export const ADMIN_TOKEN = 'test-admin-token';

/** Calls /admin/v1 through the whole Worker, authenticated unless a token (or null: none) is given. */
export async function admin(
  method: string,
  path: string,
  body?: unknown,
  token: string | null = ADMIN_TOKEN,
): Promise<{ status: number; headers: Headers; json: any; text: string }> {
  const headers = new Headers();
  if (token !== null) headers.set('authorization', `Bearer ${token}`);
  if (body !== undefined) headers.set('content-type', 'application/json');
  const response = await SELF.fetch(`https://gateway.test/admin/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null, text };
}

/** A bucket name no other test uses. */
export function uniqueBucketName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}
