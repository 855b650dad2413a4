import { ApiError } from './errors.mjs';

/** A client of /admin/v1: JSON in and out, the API's error answers as ApiError. */
export function adminClient({ endpoint, token }) {
  return {
    /**
     * @param {string} method
     * @param {string} path after /admin/v1, e.g. `/buckets/demo`
     * @param {{ body?: unknown, query?: Record<string, string | undefined> }} [options]
     * @returns {Promise<any>} the parsed JSON answer (null for 204)
     */
    async call(method, path, { body, query } = {}) {
      const url = new URL(`${endpoint}/admin/v1${path}`);
      for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
      let response;
      try {
        response = await fetch(url, {
          method,
          headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      } catch (error) {
        throw new ApiError(0, 'Unreachable', `cannot reach ${endpoint}: ${error.cause?.message ?? error.message}`);
      }
      const text = await response.text();
      let json = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        if (response.ok) throw new ApiError(response.status, 'NotJSON', `${method} ${url.pathname} answered something that is not JSON`);
      }
      if (!response.ok) {
        const error = json?.error;
        throw new ApiError(response.status, error?.code ?? `HTTP${response.status}`, error?.message ?? (text.slice(0, 200) || response.statusText), error?.fields);
      }
      return json;
    },
  };
}
