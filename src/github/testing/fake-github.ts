import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bodies } from './fake-bodies.ts';
import { FakeStore } from './fake-store.ts';
import { OpenApi, type Description } from './openapi.ts';
import { handlers, type Answer } from './fake-handlers.ts';

/**
 * An HTTP server on 127.0.0.1 that answers the Git Data, pulls and commits endpoints like GitHub
 * (or GitHub Enterprise Server under `/api/v3`), from an in-memory repository. Every request body
 * and response body is validated against GitHub's OpenAPI description; problems are collected
 * in `violations`, which a test asserts empty. Faults (rate limits, corrupted bodies) are
 * injected per operation.
 */

export interface FakeGitHubOptions {
  slug: string;
  token: string;
  /** GitHub Enterprise Server: paths under /api/v3, validated against its own description. */
  enterprise?: boolean;
}

export interface Exchange {
  method: string;
  op: string;
  status: number;
}

const SERVED = [
  '/repos/{owner}/{repo}/git/ref/{ref}',
  '/repos/{owner}/{repo}/git/refs',
  '/repos/{owner}/{repo}/git/refs/{ref}',
  '/repos/{owner}/{repo}/git/trees',
  '/repos/{owner}/{repo}/git/trees/{tree_sha}',
  '/repos/{owner}/{repo}/git/blobs',
  '/repos/{owner}/{repo}/git/blobs/{file_sha}',
  '/repos/{owner}/{repo}/git/commits',
  '/repos/{owner}/{repo}/git/commits/{commit_sha}',
  '/repos/{owner}/{repo}/pulls',
  '/repos/{owner}/{repo}/pulls/{pull_number}',
  '/repos/{owner}/{repo}/commits',
];

const apis = new Map<Description, OpenApi>();

function openApi(description: Description): OpenApi {
  let api = apis.get(description);
  if (!api) apis.set(description, (api = new OpenApi(description, SERVED)));
  return api;
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export class FakeGitHub {
  readonly store = new FakeStore();
  readonly violations: string[] = [];
  readonly exchanges: Exchange[] = [];
  /** Operation id → answers given instead of the real one, first in first out. */
  readonly faults = new Map<string, Answer[]>();
  /** Changes a response body after it is built and before it is validated and sent. */
  corrupt: ((op: string, body: unknown) => unknown) | undefined;
  readonly #options: FakeGitHubOptions;
  readonly #api: OpenApi;
  readonly #prefix: string;
  #server: Server | undefined;
  #root = '';

  constructor(options: FakeGitHubOptions) {
    this.#options = options;
    this.#api = openApi(options.enterprise ? 'ghes-3.19' : 'api.github.com');
    this.#prefix = options.enterprise ? '/api/v3' : '';
  }

  /** The API root to give the client: `http://127.0.0.1:PORT[/api/v3]`. */
  get url(): string {
    return this.#root;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      this.#serve(req, res).catch((error: unknown) => {
        this.violations.push(`fake failed: ${(error as Error).stack}`);
        res.writeHead(500).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.#server = server;
    this.#root = `http://127.0.0.1:${(server.address() as AddressInfo).port}${this.#prefix}`;
    return this;
  }

  async stop(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.#server ? this.#server.close(() => resolve()) : resolve(),
    );
  }

  /** Answers the next request for op with a fault (e.g. a 429 with retry-after). */
  inject(op: string, answer: Answer): void {
    this.faults.set(op, [...(this.faults.get(op) ?? []), answer]);
  }

  /** Writes: requests that are not GETs. */
  writes(): Exchange[] {
    return this.exchanges.filter((e) => e.method !== 'GET');
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const bodies = new Bodies(this.#api, this.#root, this.#options.slug);
    const path = url.pathname.startsWith(`${this.#prefix}/`)
      ? url.pathname.slice(this.#prefix.length)
      : undefined;
    const found = path === undefined ? undefined : this.#api.find(method, path);
    if (!found) {
      this.violations.push(`${method} ${url.pathname}: not an operation the fake serves`);
      return this.#send(res, { status: 404, body: bodies.error('Not Found', 404) });
    }
    const { op, params } = found;
    const requestProblems = [
      ...this.#api.queryProblems(op, url.searchParams),
      ...this.#api.requestProblems(op, body),
    ];
    this.violations.push(...requestProblems.map((p) => `${op.id} request: ${p}`));
    const elsewhere = `${params['owner']}/${params['repo']}` !== this.#options.slug;
    const answer = this.#answer(op.id, req, () => {
      if (requestProblems.length > 0) {
        return { status: 422, body: bodies.error('Invalid request.', 422, requestProblems) };
      }
      if (elsewhere) return { status: 404, body: bodies.error('Not Found', 404) };
      return handlers[op.id]!({ store: this.store, bodies, params, query: url.searchParams, body });
    });
    const sent = this.corrupt ? this.corrupt(op.id, answer.body) : answer.body;
    const responseProblems = this.#api.responseProblems(op, answer.status, sent);
    this.violations.push(...responseProblems.map((p) => `${op.id} ${answer.status}: ${p}`));
    this.exchanges.push({ method, op: op.id, status: answer.status });
    this.#send(res, { ...answer, body: sent });
  }

  #answer(op: string, req: IncomingMessage, real: () => Answer): Answer {
    const expected = [`token ${this.#options.token}`, `bearer ${this.#options.token}`];
    if (!expected.includes(req.headers.authorization ?? '')) {
      return { status: 401, body: new Bodies(this.#api, '', '').error('Bad credentials', 401) };
    }
    const fault = this.faults.get(op)?.shift();
    return fault ?? real();
  }

  #send(res: ServerResponse, answer: Answer): void {
    const headers = { 'content-type': 'application/json; charset=utf-8', ...answer.headers };
    res.writeHead(answer.status, headers);
    res.end(answer.body === undefined ? undefined : JSON.stringify(answer.body));
  }
}
