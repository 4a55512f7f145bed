import { askBinance, type AskOptions } from './binance.ts';
import { askBybit } from './bybit.ts';
import {
  DEFAULT_ENDPOINTS,
  INTROSPECTED,
  type ExchangeApi,
  type ExchangeKey,
  type IntrospectedExchange,
  type KeyAnswer,
} from './types.ts';

export interface HttpExchangesOptions {
  /** Base URLs by exchange instead of the real API hosts (tests, dev: `--exchange-endpoint`). */
  endpoints?: Readonly<Record<string, string>>;
  /** @default 10_000 */
  timeoutMs?: number;
  /** Milliseconds since the epoch for the signed timestamp. @default Date.now */
  now?: () => number;
}

const ASK: Record<IntrospectedExchange, (key: ExchangeKey, o: AskOptions) => Promise<KeyAnswer>> = {
  binance: askBinance,
  bybit: askBybit,
};

function isIntrospected(name: string): name is IntrospectedExchange {
  return (INTROSPECTED as readonly string[]).includes(name);
}

/** The exchanges' HTTP APIs, signed the way each documents, every call under a deadline. */
export class HttpExchanges implements ExchangeApi {
  readonly #bases: Record<IntrospectedExchange, string>;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: HttpExchangesOptions = {}) {
    const bases = { ...DEFAULT_ENDPOINTS };
    for (const [name, url] of Object.entries(options.endpoints ?? {})) {
      if (!isIntrospected(name))
        throw new Error(
          `exchange endpoint ${name}: posture asks only ${INTROSPECTED.join(', ')} about keys`,
        );
      bases[name] = url;
    }
    this.#bases = bases;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  describeKey(
    exchange: IntrospectedExchange,
    key: ExchangeKey,
    signal?: AbortSignal,
  ): Promise<KeyAnswer> {
    return ASK[exchange](key, {
      base: this.#bases[exchange],
      timeoutMs: this.#timeoutMs,
      now: this.#now,
      ...(signal && { signal }),
    });
  }
}
