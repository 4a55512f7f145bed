import { z } from 'zod';
import { getJson, hmacHex, maskedDetail, type JsonAnswer } from './http.ts';
import {
  ExchangeUnavailableError,
  type ExchangeKey,
  type KeyAnswer,
  type RefusalReason,
} from './types.ts';

/**
 * Binance "Get API Key Permission" (USER_DATA, SIGNED): GET /sapi/v1/account/apiRestrictions
 * with `recvWindow`, `timestamp` and `signature` = hex HMAC-SHA256 of the query string under the
 * secret, the key in `X-MBX-APIKEY` (docs/adr/0044 cites the pages).
 */
export const BINANCE_PATH = '/sapi/v1/account/apiRestrictions';
export const BINANCE_RECV_WINDOW_MS = 5000;

/** The signed query string: the parameters, then their signature last. */
export function binanceQuery(timestamp: number, apiSecret: string): string {
  const query = `recvWindow=${BINANCE_RECV_WINDOW_MS}&timestamp=${timestamp}`;
  return `${query}&signature=${hmacHex(apiSecret, query)}`;
}

const flag = z.boolean().optional();
const RestrictionsSchema = z.looseObject({
  ipRestrict: z.boolean(),
  enableReading: z.boolean(),
  enableWithdrawals: z.boolean(),
  enableSpotAndMarginTrading: flag,
  enableMargin: flag,
  enableFutures: flag,
  enableVanillaOptions: flag,
  enablePortfolioMarginTrading: flag,
  enableFixApiTrade: flag,
});
const ErrorSchema = z.looseObject({ code: z.number(), msg: z.string() });

/** -1022 is the signature; -2015/-2014/-2008/-1002 are the key (unknown, malformed, not from this IP). */
function refusalOf(code: number): RefusalReason {
  if (code === -1022) return 'SignatureInvalid';
  if ([-2015, -2014, -2008, -1002].includes(code)) return 'KeyRefused';
  return 'RequestRefused';
}

/** Reads Binance's answer; throws ExchangeUnavailableError for one it does not document. */
export function readBinance(what: string, answer: JsonAnswer, key: ExchangeKey): KeyAnswer {
  if (answer.status === 200) {
    const r = RestrictionsSchema.safeParse(answer.body);
    if (!r.success)
      throw new ExchangeUnavailableError(what, 'HTTP 200 without the documented fields');
    const trades = [
      r.data.enableSpotAndMarginTrading,
      r.data.enableMargin,
      r.data.enableFutures,
      r.data.enableVanillaOptions,
      r.data.enablePortfolioMarginTrading,
      r.data.enableFixApiTrade,
    ];
    return {
      outcome: 'accepted',
      restrictions: {
        withdrawEnabled: r.data.enableWithdrawals,
        tradeEnabled: trades.some((t) => t === true),
        readEnabled: r.data.enableReading,
        ipRestricted: r.data.ipRestrict,
      },
    };
  }
  const error = ErrorSchema.safeParse(answer.body);
  if (!error.success)
    throw new ExchangeUnavailableError(what, `HTTP ${answer.status} without an error code`);
  const { code, msg } = error.data;
  return {
    outcome: 'refused',
    reason: refusalOf(code),
    detail: maskedDetail(`binance ${code}: ${msg}`, key),
  };
}

export interface AskOptions {
  base: string;
  timeoutMs: number;
  now: () => number;
  signal?: AbortSignal;
}

export async function askBinance(key: ExchangeKey, options: AskOptions): Promise<KeyAnswer> {
  const what = `binance GET ${BINANCE_PATH}`;
  const url = new URL(
    `${options.base.replace(/\/+$/, '')}${BINANCE_PATH}?${binanceQuery(options.now(), key.apiSecret)}`,
  );
  const answer = await getJson(url, {
    what,
    headers: { 'X-MBX-APIKEY': key.apiKey },
    timeoutMs: options.timeoutMs,
    ...(options.signal && { signal: options.signal }),
  });
  return readBinance(what, answer, key);
}
