import { createHash } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import type { PluginCredential } from './exec-credential.ts';
import type { ClusterAccess } from './kubeconfig.ts';
import { KubeApiError } from './errors.ts';
import type { Status } from './types.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'apply' | 'delete';
export const WRITE_VERBS: readonly Verb[] = ['create', 'update', 'patch', 'apply', 'delete'];

/** One mutating request, for tests that prove a resync wrote nothing it had written before. */
export interface WriteRecord {
  at: number;
  verb: Verb;
  path: string;
  /** sha-256 of the JSON body: equal digests to one path mean the same write sent again. */
  digest: string;
}

/** Past this many records the oldest go: the log is for tests and debugging, never unbounded. */
const WRITE_LOG_LIMIT = 10_000;

export interface Call {
  verb: Verb;
  method: HttpMethod;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  contentType?: string;
  signal?: AbortSignal | undefined;
  timeoutMs?: number;
}

/**
 * What the apiserver answered. The body is read once: `text`, `json`, `dump` (read and dropped,
 * which frees the connection), or iterated (a watch).
 */
export interface KubeResponse {
  ok: boolean;
  status: number;
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  dump(): Promise<void>;
}

function responseOf({ statusCode, body }: Dispatcher.ResponseData): KubeResponse {
  return {
    ok: statusCode >= 200 && statusCode < 300,
    status: statusCode,
    body,
    text: () => body.text(),
    json: () => body.json(),
    dump: () => body.dump(),
  };
}

export async function errorOf(what: string, response: KubeResponse): Promise<KubeApiError> {
  const text = await response.text();
  let status: Status | undefined;
  try {
    status = JSON.parse(text) as Status;
  } catch {
    status = { message: text.slice(0, 500) };
  }
  return new KubeApiError(what, response.status, status);
}

/** No answer: the deadline passed (Timeout) or the connection failed (Unreachable). */
function unreachable(what: string, error: unknown): KubeApiError {
  const timeout = error instanceof Error && error.name === 'TimeoutError';
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new KubeApiError(what, 0, { reason: timeout ? 'Timeout' : 'Unreachable', message });
}

/** The request's path on the server: the server URL's own path (a proxy's prefix), then the call's. */
function pathOf(prefix: string, call: Call): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(call.query ?? {}))
    if (value !== undefined) query.set(name, value);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  return `${prefix}${call.path}${search}`;
}

function signalOf(call: Call, defaultMs: number): AbortSignal {
  const deadline = AbortSignal.timeout(call.timeoutMs ?? defaultMs);
  return call.signal ? AbortSignal.any([deadline, call.signal]) : deadline;
}

/**
 * HTTP to the apiserver: TLS and the bearer token from a ClusterAccess, one kept-alive
 * connection pool, a deadline on every request, and a count per verb.
 *
 * undici's `request`, not `fetch`: fetch's Request, Headers and web streams (a watch's events
 * went through one) were a tenth of the operator's CPU while 1,000 services converged, for
 * nothing posture reads (docs/adr/0068).
 *
 * HTTP/1.1 only (`allowH2: false`): over HTTP/2, undici 8 aborts a request by `close()` and an
 * immediate `destroy()` of its stream. Until the request's own end is flushed, node defers the
 * RST_STREAM to that flush, which the destroy cancels: the apiserver never hears of the abort
 * and answers, and node turns the answer to a stream id it no longer knows into a new stream
 * that nobody reads or listens to. When the connection ends (undici's keep-alive timeout,
 * "socket idle timeout", or the apiserver closing it, "other side closed"), node destroys that
 * stream with the error and, with no listener, the process gets an uncaughtException. An
 * aborted deadline, a stopped informer or a shutdown is enough. Over HTTP/1.1 an abort closes
 * the request's connection, and kept-alive connections still spare the TLS handshakes.
 */
export class Transport {
  readonly #access: ClusterAccess;
  /** The server's scheme, host and port; and its path, which every request path starts with. */
  readonly #origin: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #counts = new Map<Verb, number>();
  readonly #writeLog: WriteRecord[] | undefined;
  /**
   * One pool for every request: a new connection per request meant a TLS handshake each time,
   * which cost both the operator and the apiserver most of their CPU under load.
   */
  #dispatcher: Agent | undefined;
  /** The client certificate the pool's connections present (a plugin's may change). */
  #dispatcherCert: string | undefined;

  constructor(access: ClusterAccess, timeoutMs: number, logWrites = false) {
    this.#access = access;
    const server = new URL(access.server);
    this.#origin = server.origin;
    this.#prefix = server.pathname.replace(/\/+$/, '');
    this.#timeoutMs = timeoutMs;
    if (logWrites) this.#writeLog = [];
  }

  counts(): Partial<Record<Verb, number>> {
    return Object.fromEntries(this.#counts);
  }

  /**
   * New requests use new connections from now on; requests in flight finish (or time out) on
   * the old ones. Called when the apiserver stopped answering on a connection (a deadline
   * passed, a watch went silent): a kept-alive connection may be dead without a reset.
   */
  resetConnections(): void {
    const old = this.#dispatcher;
    this.#dispatcher = undefined;
    old?.close().catch(() => undefined);
  }

  /** The pool for a credential: a plugin's new client certificate means new connections. */
  #pool(credential: PluginCredential): Agent {
    const { ca, insecure } = this.#access.tls;
    const cert = credential.cert ?? this.#access.tls.cert;
    const key = credential.key ?? this.#access.tls.key;
    if (this.#dispatcher && this.#dispatcherCert !== cert) this.resetConnections();
    this.#dispatcherCert = cert;
    this.#dispatcher ??= new Agent({
      allowH2: false,
      connect: { ca, cert, key, rejectUnauthorized: insecure !== true },
    });
    return this.#dispatcher;
  }

  writes(): number {
    return WRITE_VERBS.reduce((sum, verb) => sum + (this.#counts.get(verb) ?? 0), 0);
  }

  /** The writes sent so far, oldest first; empty unless the transport was made to log them. */
  writeLog(): readonly WriteRecord[] {
    return this.#writeLog ?? [];
  }

  #logWrite(call: Call): void {
    if (!this.#writeLog || !WRITE_VERBS.includes(call.verb)) return;
    const digest = createHash('sha256')
      .update(JSON.stringify(call.body) ?? '')
      .digest('hex');
    this.#writeLog.push({ at: Date.now(), verb: call.verb, path: call.path, digest });
    if (this.#writeLog.length > WRITE_LOG_LIMIT) this.#writeLog.shift();
  }

  async json<T>(call: Call): Promise<T> {
    const response = await this.send(call);
    if (!response.ok) throw await errorOf(`${call.verb} ${call.path}`, response);
    return (await response.json()) as T;
  }

  /**
   * A kubeconfig or ServiceAccount token is at hand synchronously; a credential plugin's is
   * cached too, and only its run is awaited. A 401 to a plugin's credential runs the plugin
   * again and sends the request once more (it is counted and logged once).
   */
  async send(call: Call): Promise<KubeResponse> {
    const path = pathOf(this.#prefix, call);
    this.#counts.set(call.verb, (this.#counts.get(call.verb) ?? 0) + 1);
    this.#logWrite(call);
    const plugin = this.#access.plugin;
    if (!plugin) {
      const token = this.#access.token?.();
      return this.#request(path, call, { token: typeof token === 'object' ? await token : token });
    }
    const credential = await plugin.credential();
    const response = await this.#request(path, call, credential);
    if (response.status !== 401) return response;
    // Read the refusal so that its connection goes back to the pool.
    await response.dump().catch(() => undefined);
    plugin.refused(credential);
    return this.#request(path, call, await plugin.credential());
  }

  async #request(path: string, call: Call, credential: PluginCredential): Promise<KubeResponse> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(credential.token && { authorization: `Bearer ${credential.token}` }),
    };
    if (call.body !== undefined) headers['content-type'] = call.contentType ?? 'application/json';
    try {
      const answer = await this.#pool(credential).request({
        origin: this.#origin,
        path,
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: signalOf(call, this.#timeoutMs),
      });
      return responseOf(answer);
    } catch (error) {
      // The caller's own abort (shutdown, stall restart) is not an apiserver failure.
      if (call.signal?.aborted) throw error;
      this.resetConnections();
      throw unreachable(`${call.verb} ${call.path}`, error);
    }
  }
}
