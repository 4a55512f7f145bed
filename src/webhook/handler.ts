import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../lib/clock.ts';
import type { Verifier } from '../hmac/verify.ts';
import { RateLimiter } from './rate-limit.ts';

/** The header carrying the HMAC envelope over the raw body (`v1.<ms>.<nonce>.<mac>.<keyId>`). */
export const SIGNATURE_HEADER = 'x-posture-signature';
export const ISOLATE_PATH = '/v1/isolate';
/** An alert is a few hundred bytes; anything much larger is refused before it is read. */
export const MAX_BODY_BYTES = 16 * 1024;

/** What an alert may ask: isolate one namespace, saying why. Unknown fields are refused. */
export const IsolateRequestSchema = z.strictObject({
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'a namespace name (RFC 1123 label)')
    .max(63),
  reason: z.string().min(1).max(1024),
  /** Which system raised it (falco, alertmanager...): kept in the actor annotation. */
  source: z.string().min(1).max(63).optional(),
});
export type IsolateRequest = z.infer<typeof IsolateRequestSchema>;

export interface WebhookRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  signature: string | undefined;
  body: Buffer;
  /** True when the body was cut at MAX_BODY_BYTES. */
  truncated: boolean;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body: { result: string; detail?: string; namespace?: string };
}

/** One append-only line per request: no body, no signature, no key; the body's SHA-256. */
export interface AuditLine {
  time: string;
  keyId?: string;
  namespace?: string;
  action: 'isolate';
  status: number;
  result: string;
  bodySha256: string;
}

export interface WebhookDeps {
  verifier: Verifier;
  isolate: (request: IsolateRequest, actor: string) => Promise<void>;
  audit: (line: AuditLine) => void;
  clock?: Pick<Clock, 'now'>;
  /** Accepted requests per key id and minute (burst as large). @default 30 */
  perKeyPerMinute?: number;
  /** Refused requests (any key, or none) per minute, before they cost a verification. @default 600 */
  failuresPerMinute?: number;
}

const answer = (status: number, result: string, detail?: string): WebhookResponse => ({
  status,
  body: { result, ...(detail && { detail }) },
});

/** Checks that need no key: route, method, size, media type. */
function shape(request: WebhookRequest): WebhookResponse | undefined {
  if (request.path !== ISOLATE_PATH) return answer(404, 'NotFound', `only POST ${ISOLATE_PATH}`);
  if (request.method !== 'POST') return answer(405, 'MethodNotAllowed', 'use POST');
  if (request.truncated) return answer(413, 'BodyTooLarge', `at most ${MAX_BODY_BYTES} bytes`);
  if (!request.contentType?.startsWith('application/json'))
    return answer(415, 'UnsupportedMediaType', 'send application/json');
  if (!request.signature)
    return answer(401, 'MissingSignature', `sign the body and send it in ${SIGNATURE_HEADER}`);
  return undefined;
}

function parseBody(body: Buffer): { request?: IsolateRequest; problem?: WebhookResponse } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { problem: answer(400, 'InvalidJson', 'the body is not JSON') };
  }
  const parsed = IsolateRequestSchema.safeParse(json);
  if (parsed.success) return { request: parsed.data };
  const detail = parsed.error.issues
    .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
    .join('; ');
  return { problem: answer(400, 'InvalidRequest', detail) };
}

/**
 * The alert webhook (docs/adr/0047): authenticated with the HMAC library (key id, timestamp
 * within the skew, each nonce once, constant-time MAC), size-limited, strictly validated and
 * rate-limited per key; a request that fails any check changes nothing. Every request, good or
 * bad, leaves one audit line.
 */
export class WebhookHandler {
  readonly #deps: WebhookDeps;
  readonly #perKey: RateLimiter;
  readonly #failures: RateLimiter;

  constructor(deps: WebhookDeps) {
    this.#deps = deps;
    const clock = deps.clock ?? Date;
    this.#perKey = new RateLimiter(deps.perKeyPerMinute ?? 30, clock);
    this.#failures = new RateLimiter(deps.failuresPerMinute ?? 600, clock);
  }

  async handle(request: WebhookRequest): Promise<WebhookResponse> {
    const line = {
      keyId: undefined as string | undefined,
      namespace: undefined as string | undefined,
    };
    const response = await this.#decide(request, line);
    if (response.status >= 400 && response.status !== 429) this.#failures.take('failures');
    this.#deps.audit({
      time: new Date((this.#deps.clock ?? Date).now()).toISOString(),
      ...(line.keyId && { keyId: line.keyId }),
      ...(line.namespace && { namespace: line.namespace }),
      action: 'isolate',
      status: response.status,
      result: response.body.result,
      bodySha256: createHash('sha256').update(request.body).digest('hex'),
    });
    return response;
  }

  async #decide(
    request: WebhookRequest,
    line: { keyId: string | undefined; namespace: string | undefined },
  ): Promise<WebhookResponse> {
    const flood = this.#failures.wait('failures');
    if (flood > 0) return limited(flood, 'too many refused requests');
    const problem = shape(request);
    if (problem) return problem;
    const verified = this.#deps.verifier.verify(request.body, request.signature ?? '');
    line.keyId = verified.keyId;
    if (!verified.ok) return answer(401, verified.reason, 'the signature does not verify');
    const wait = this.#perKey.wait(verified.keyId);
    if (wait > 0) return limited(wait, `key ${verified.keyId} sent too many requests`);
    this.#perKey.take(verified.keyId);
    const { request: isolate, problem: invalid } = parseBody(request.body);
    if (!isolate) return invalid!;
    line.namespace = isolate.namespace;
    await this.#deps.isolate(isolate, `webhook:${isolate.source ?? verified.keyId}`);
    return { status: 202, body: { result: 'Isolating', namespace: isolate.namespace } };
  }
}

function limited(waitMs: number, detail: string): WebhookResponse {
  return {
    status: 429,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) },
    body: { result: 'TooManyRequests', detail },
  };
}
