import { z } from 'zod';
import type { AskOptions } from './binance.ts';
import { getJson, hmacHex, maskedDetail, type JsonAnswer } from './http.ts';
import {
  ExchangeUnavailableError,
  type ExchangeKey,
  type KeyAnswer,
  type RefusalReason,
} from './types.ts';

/**
 * Bybit V5 "Get API Key Information": GET /v5/user/query-api, no parameters, signed in headers:
 * X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + apiKey + recvWindow + queryString)
 * (docs/adr/0044 cites the pages). Any permission may call it.
 */
export const BYBIT_PATH = '/v5/user/query-api';
export const BYBIT_RECV_WINDOW_MS = 5000;

/** The signed headers for a GET with this query string (empty for query-api). */
export function bybitHeaders(
  key: ExchangeKey,
  timestamp: number,
  queryString = '',
): Record<string, string> {
  const recvWindow = String(BYBIT_RECV_WINDOW_MS);
  const signed = `${timestamp}${key.apiKey}${recvWindow}${queryString}`;
  return {
    'X-BAPI-API-KEY': key.apiKey,
    'X-BAPI-TIMESTAMP': String(timestamp),
    'X-BAPI-RECV-WINDOW': recvWindow,
    'X-BAPI-SIGN': hmacHex(key.apiSecret, signed),
  };
}

const EnvelopeSchema = z.looseObject({
  retCode: z.number(),
  retMsg: z.string().default(''),
  result: z.unknown().optional(),
});
const list = z.array(z.string()).default([]);
const ResultSchema = z.looseObject({
  // 0: read and write, 1: read only.
  readOnly: z.number(),
  permissions: z.looseObject({ Wallet: list }),
  // ["*"] (or nothing) when the key is bound to no IP.
  ips: list,
});

/** Too many visits, server error, IP rate limit: Bybit could not answer now. */
const TRANSIENT = new Set([10006, 10016, 10018]);

/** 10004 is the signature; 10003/10005/10010/33004 the key (invalid, no permission, wrong IP, expired). */
function refusalOf(code: number): RefusalReason {
  if (code === 10004) return 'SignatureInvalid';
  if ([10003, 10005, 10010, 33004].includes(code)) return 'KeyRefused';
  return 'RequestRefused';
}

function accepted(what: string, result: unknown): KeyAnswer {
  const r = ResultSchema.safeParse(result);
  if (!r.success)
    throw new ExchangeUnavailableError(what, 'retCode 0 without the documented fields');
  const ips = r.data.ips.filter((ip) => ip !== '');
  const ipRestricted = ips.length > 0 && !ips.includes('*');
  return {
    outcome: 'accepted',
    restrictions: {
      withdrawEnabled: r.data.permissions.Wallet.includes('Withdraw'),
      tradeEnabled: r.data.readOnly === 0,
      readEnabled: true,
      ipRestricted,
      ...(ipRestricted && { ips }),
    },
  };
}

/** Reads Bybit's envelope (HTTP 200 or 4xx, `retCode` says); throws for an undocumented one. */
export function readBybit(what: string, answer: JsonAnswer, key: ExchangeKey): KeyAnswer {
  const envelope = EnvelopeSchema.safeParse(answer.body);
  if (!envelope.success)
    throw new ExchangeUnavailableError(what, `HTTP ${answer.status} without a retCode`);
  const { retCode, retMsg, result } = envelope.data;
  if (retCode === 0) return accepted(what, result);
  if (TRANSIENT.has(retCode)) throw new ExchangeUnavailableError(what, `retCode ${retCode}`);
  return {
    outcome: 'refused',
    reason: refusalOf(retCode),
    detail: maskedDetail(`bybit ${retCode}: ${retMsg}`, key),
  };
}

export async function askBybit(key: ExchangeKey, options: AskOptions): Promise<KeyAnswer> {
  const what = `bybit GET ${BYBIT_PATH}`;
  const url = new URL(`${options.base.replace(/\/+$/, '')}${BYBIT_PATH}`);
  const answer = await getJson(url, {
    what,
    headers: bybitHeaders(key, options.now()),
    timeoutMs: options.timeoutMs,
    ...(options.signal && { signal: options.signal }),
  });
  return readBybit(what, answer, key);
}
