import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { HelmetOptions } from 'helmet';

/**
 * helmet's headers, computed once. They depend only on the options (no CSP nonces here), yet
 * @fastify/helmet rebuilds helmet's middleware on every request: ~24 µs of a ~150 µs request
 * in the benchmark (BENCHMARKS.md). Running helmet once against a recording response gives the
 * same headers for the price of copying an object.
 */
export function securityHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      headers[name] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name];
    },
  };
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}
