import { EXCHANGE_API_HOSTS, type Exchange } from '../api/exchangecredential/schema.ts';

/**
 * The exchanges posture can ask about a key: those with a documented key-introspection call
 * (docs/adr/0044). Every other exchange is "unsupported": its key is never read by the operator.
 */
export const INTROSPECTED = ['binance', 'bybit'] as const;
export type IntrospectedExchange = (typeof INTROSPECTED)[number];

export function introspects(exchange: Exchange): exchange is IntrospectedExchange {
  return (INTROSPECTED as readonly string[]).includes(exchange);
}

/** The real API base of each introspected exchange (the hosts consumers get egress to). */
export const DEFAULT_ENDPOINTS: Record<IntrospectedExchange, string> = {
  binance: `https://${EXCHANGE_API_HOSTS.binance[0]}`,
  bybit: `https://${EXCHANGE_API_HOSTS.bybit[0]}`,
};

/** The key as stored in Vault (fields `apiKey`, `apiSecret`): lives only for one request. */
export interface ExchangeKey {
  apiKey: string;
  apiSecret: string;
}

/** What the exchange says the key may do, normalised across exchanges. */
export interface KeyRestrictions {
  withdrawEnabled: boolean;
  tradeEnabled: boolean;
  readEnabled: boolean;
  /** The key works only from bound IPs. */
  ipRestricted: boolean;
  /** The bound IPs, when the exchange lists them (Bybit does; Binance says only whether). */
  ips?: string[];
}

/**
 * Why an exchange refused the signed request: the secret does not sign for the key; the key
 * is unknown, revoked, or not allowed from this IP; or the request itself (clock skew).
 */
export type RefusalReason = 'SignatureInvalid' | 'KeyRefused' | 'RequestRefused';

export type KeyAnswer =
  | { outcome: 'accepted'; restrictions: KeyRestrictions }
  /** `detail`: the exchange's code and message, with the key and secret masked. */
  | { outcome: 'refused'; reason: RefusalReason; detail: string };

/**
 * The exchange could not answer (connection refused, timeout, 5xx, rate limited, an answer it
 * does not document): retry with backoff; the message never holds the key or the secret.
 */
export class ExchangeUnavailableError extends Error {
  constructor(what: string, detail: string) {
    super(`${what}: unavailable: ${detail}`);
    this.name = 'ExchangeUnavailableError';
  }
}

/** Asks exchanges about keys. Implementations: HttpExchanges; tests use the fake exchange. */
export interface ExchangeApi {
  /** One signed read of the key's own restrictions; throws ExchangeUnavailableError. */
  describeKey(
    exchange: IntrospectedExchange,
    key: ExchangeKey,
    signal?: AbortSignal,
  ): Promise<KeyAnswer>;
}
