import { createHmac } from 'node:crypto';
import { ExchangeUnavailableError, type ExchangeKey } from './types.ts';

/** Answers larger than this are not what either documented call returns. */
const MAX_BODY_BYTES = 64 * 1024;
/** Exchange text that reaches a status message is cut here. */
const MAX_DETAIL = 300;

/** Hex HMAC-SHA256: how Binance and Bybit both sign with an HMAC key's secret. */
export function hmacHex(secret: string, message: string): string {
  return createHmac('sha256', secret).update(message).digest('hex');
}

/**
 * Exchange text made safe to show: the key and the secret masked wherever they appear (Bybit
 * echoes the signed string, key included, in its "error sign!" message), one line, bounded.
 */
export function maskedDetail(text: string, key: ExchangeKey): string {
  let out = text;
  for (const value of [key.apiSecret, key.apiKey].filter((v) => v.length > 0))
    out = out.split(value).join('[MASKED]');
  out = out.replace(/\s+/g, ' ').trim();
  return out.length > MAX_DETAIL ? `${out.slice(0, MAX_DETAIL)}...` : out;
}

export interface JsonAnswer {
  status: number;
  /** The parsed body; undefined when it was not JSON. */
  body: unknown;
}

export interface GetOptions {
  /** `binance GET /sapi/v1/account/apiRestrictions`: names the call in errors, never a query. */
  what: string;
  headers: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
}

function failure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no answer within ${timeoutMs} ms`;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  // fetch says only "fetch failed"; the cause names it (ECONNREFUSED, ENOTFOUND, bad port).
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return error instanceof Error ? error.message : String(error);
}

async function boundedText(response: Response): Promise<string> {
  const reader = response.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`an answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** 5xx, 429 (rate limited) and 418 (Binance's IP ban after ignoring 429s): ask again later. */
function isTransient(status: number): boolean {
  return status >= 500 || status === 429 || status === 418;
}

/**
 * One GET with a deadline (the whole exchange, body included), no redirects (a redirect would
 * carry the signed request elsewhere) and a bounded body. A network failure, a timeout or a
 * transient status throws ExchangeUnavailableError; any other answer is returned to be read.
 */
export async function getJson(url: URL, options: GetOptions): Promise<JsonAnswer> {
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([deadline, options.signal]) : deadline;
  try {
    const response = await fetch(url, { headers: options.headers, redirect: 'error', signal });
    if (isTransient(response.status)) {
      await response.body?.cancel();
      throw new ExchangeUnavailableError(options.what, `HTTP ${response.status}`);
    }
    return { status: response.status, body: parseJson(await boundedText(response)) };
  } catch (error) {
    if (error instanceof ExchangeUnavailableError) throw error;
    throw new ExchangeUnavailableError(options.what, failure(error, options.timeoutMs));
  }
}
