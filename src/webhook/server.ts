import { appendFileSync } from 'node:fs';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AuditLine, WebhookHandler, WebhookRequest } from './handler.ts';
import { MAX_BODY_BYTES, SIGNATURE_HEADER } from './handler.ts';

export interface WebhookServerOptions {
  handler: WebhookHandler;
  port: number;
  host: string;
  /** PEM certificate and key: HTTPS; without them plain HTTP (behind a TLS-terminating proxy). */
  tls?: { cert: string; key: string };
}

/** Appends each audit line to `file` (one JSON object per line), or to stdout. */
export function auditTo(file: string | undefined): (line: AuditLine) => void {
  return (line) => {
    const text = `${JSON.stringify(line)}\n`;
    if (file) appendFileSync(file, text, { mode: 0o600 });
    else process.stdout.write(text);
  };
}

/** Reads at most MAX_BODY_BYTES + 1; more is not read at all (the socket is closed after). */
function readBody(message: IncomingMessage): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    message.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        message.pause();
        resolve({ body: Buffer.concat(chunks), truncated: true });
        return;
      }
      chunks.push(chunk);
    });
    message.on('end', () => resolve({ body: Buffer.concat(chunks), truncated: false }));
    message.on('error', reject);
  });
}

async function toRequest(message: IncomingMessage): Promise<WebhookRequest> {
  const declared = Number(message.headers['content-length'] ?? 0);
  const { body, truncated } =
    declared > MAX_BODY_BYTES
      ? { body: Buffer.alloc(0), truncated: true }
      : await readBody(message);
  const signature = message.headers[SIGNATURE_HEADER];
  return {
    method: message.method ?? '',
    path: new URL(message.url ?? '/', 'http://webhook').pathname,
    contentType: message.headers['content-type'],
    signature: Array.isArray(signature) ? signature[0] : signature,
    body,
    truncated,
  };
}

/** The webhook on its own port; resolves with the server once it listens. */
export function startWebhookServer(options: WebhookServerOptions): Promise<Server> {
  const listener = (message: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      try {
        const response = await options.handler.handle(await toRequest(message));
        res.writeHead(response.status, { 'content-type': 'application/json', ...response.headers });
        res.end(JSON.stringify(response.body));
      } catch {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ result: 'InternalError' }));
      }
      if (res.statusCode === 413) message.destroy();
    })();
  };
  const server = options.tls ? createHttps(options.tls, listener) : createHttp(listener);
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
