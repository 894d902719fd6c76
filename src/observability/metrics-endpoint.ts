// GET /metrics in Prometheus text format: on the API port, or on METRICS_PORT alone, and behind
// METRICS_TOKEN (Authorization: Bearer <token>) when one is set.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

const digest = (value: string) => createHash('sha256').update(value).digest();

export function authorized(token: string | null, authorization: string | null | undefined): boolean {
  if (!token) return true;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  // Compared as digests: equal length, constant time.
  return !!match && timingSafeEqual(digest(match[1]!), digest(token));
}

export async function metricsReply(
  registry: Registry,
  token: string | null,
  authorization: string | null | undefined,
): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  if (!authorized(token, authorization)) {
    return { status: 401, headers: { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }, body: 'Unauthorized\n' };
  }
  return { status: 200, headers: { 'content-type': registry.contentType }, body: await registry.metrics() };
}

/** The metrics alone on their own port (METRICS_PORT): /metrics answers, everything else is 404. */
export async function serveMetrics(registry: Registry, options: { port: number; host: string; token: string | null }): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    metricsReply(registry, options.token, request.headers.authorization).then(
      (reply) => response.writeHead(reply.status, reply.headers).end(reply.body),
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
