import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Log } from './log.ts';

/** A named readiness check: informers synced, configuration loaded, ... */
export type Check = () => boolean;

export interface HealthServerOptions {
  port: number;
  /** @default '0.0.0.0' */
  host?: string;
  registry: Registry;
  /** All must pass for /readyz; leadership is deliberately not one of them. */
  readiness: Record<string, Check>;
  log: Log;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

function failing(checks: Record<string, Check>): string[] {
  return Object.entries(checks)
    .filter(([, check]) => !check())
    .map(([name]) => name);
}

async function route(
  request: IncomingMessage,
  response: ServerResponse,
  options: HealthServerOptions,
): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType }).end(body);
  } else if (path === '/healthz') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
  } else if (path === '/readyz') {
    const failed = failing(options.readiness);
    const body = failed.length === 0 ? 'ok\n' : `not ready: ${failed.join(', ')}\n`;
    response.writeHead(failed.length === 0 ? 200 : 503, { 'content-type': 'text/plain' }).end(body);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  }
}

/** Serves /metrics, /healthz and /readyz; port 0 picks a free port (tests). */
export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    route(request, response, options).catch((error: unknown) => {
      options.log.error({ err: error, url: request.url }, 'health endpoint failed');
      if (!response.headersSent) response.writeHead(500).end();
    });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
