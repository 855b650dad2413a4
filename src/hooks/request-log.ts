import type { RequestHooks } from './request-hooks';

/** One structured line per request, as written to the Worker's logs. */
export interface RequestLogLine {
  level: 'info';
  event: 'request';
  requestId: string;
  frontDoor: string;
  method: string;
  status: number;
  /** The S3 or STS error code of a failed request. */
  errorCode?: string;
  /** From arrival to the response's headers (a streamed body may take longer). */
  durationMs: number;
}

/**
 * The per-request log line. It names only what the gateway decided: never a header, query string,
 * path, key, token, signature or client address, so it cannot carry a secret or personal data.
 */
export function requestLog(write: (line: string) => void = (line) => console.log(line)): RequestHooks {
  return {
    after(request, response, info) {
      const line: RequestLogLine = {
        level: 'info',
        event: 'request',
        requestId: info.requestId,
        frontDoor: info.frontDoor,
        method: request.method,
        status: response.status,
        ...(info.errorCode !== undefined ? { errorCode: info.errorCode } : {}),
        durationMs: Math.max(0, Date.now() - info.startedAt),
      };
      write(JSON.stringify(line));
    },
  };
}
