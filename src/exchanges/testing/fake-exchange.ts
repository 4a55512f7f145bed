import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BINANCE_PATH } from '../binance.ts';
import { BYBIT_PATH } from '../bybit.ts';
import { hmacHex } from '../http.ts';
import type { IntrospectedExchange } from '../types.ts';

/**
 * Binance's and Bybit's key-introspection endpoints on 127.0.0.1 for tests and `posture dev up`:
 * each request is checked the way the exchange documents it (key, HMAC signature over the exact
 * signed string, timestamp window) and refused with that exchange's own codes. The key's IP
 * binding is reported, not enforced: every caller here is 127.0.0.1.
 */

export interface FakeKey {
  apiKey: string;
  apiSecret: string;
  withdraw?: boolean;
  /** @default true */
  trade?: boolean;
  /** Bound IPs; none: the key works from anywhere. */
  ips?: string[];
}

type Reply = { status: number; body: unknown };

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export class FakeExchange {
  readonly #server: Server;
  readonly #keys: Record<IntrospectedExchange, Map<string, FakeKey>> = {
    binance: new Map(),
    bybit: new Map(),
  };
  readonly #down = new Set<IntrospectedExchange>();
  readonly #now: () => number;
  /** Every request, in order: which exchange and the HTTP status answered. */
  readonly requests: { exchange: IntrospectedExchange; status: number }[] = [];

  private constructor(server: Server, now: () => number) {
    this.#server = server;
    this.#now = now;
  }

  static async start(options: { now?: () => number } = {}): Promise<FakeExchange> {
    const server = createServer();
    const fake = new FakeExchange(server, options.now ?? Date.now);
    server.on('request', (req, res) => fake.#serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** `http://127.0.0.1:<port>`: the base URL of both exchanges. */
  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** `--exchange-endpoint` flags pointing the operator here. */
  flags(): string[] {
    return [`--exchange-endpoint=binance=${this.url}`, `--exchange-endpoint=bybit=${this.url}`];
  }

  setKey(exchange: IntrospectedExchange, key: FakeKey): void {
    this.#keys[exchange].set(key.apiKey, key);
  }

  /** While down, the exchange answers 503 to everything. */
  setDown(exchange: IntrospectedExchange, down: boolean): void {
    if (down) this.#down.add(exchange);
    else this.#down.delete(exchange);
  }

  count(exchange: IntrospectedExchange): number {
    return this.requests.filter((r) => r.exchange === exchange).length;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const [path = '', query = ''] = (req.url ?? '').split(/\?(.*)/s);
    const exchange = PATHS.get(path);
    const reply = exchange ? this.#answer(exchange, req, query) : { status: 404, body: {} };
    res.writeHead(reply.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(reply.body));
  }

  #answer(exchange: IntrospectedExchange, req: IncomingMessage, query: string): Reply {
    let reply: Reply;
    if (this.#down.has(exchange)) reply = { status: 503, body: {} };
    else if (exchange === 'binance') reply = this.#binance(req, query);
    else reply = this.#bybit(req, query);
    this.requests.push({ exchange, status: reply.status });
    return reply;
  }

  /** Binance: the key, then `signature` (last) over the query before it, then the window. */
  #binance(req: IncomingMessage, query: string): Reply {
    const error = (status: number, code: number, msg: string) => ({ status, body: { code, msg } });
    const apiKey = req.headers['x-mbx-apikey'];
    if (typeof apiKey !== 'string' || apiKey === '')
      return error(401, -2014, 'API-key format invalid.');
    const key = this.#keys.binance.get(apiKey);
    if (!key) return error(401, -2015, 'Invalid API-key, IP, or permissions for action.');
    const signed = binanceSigned(query, key.apiSecret);
    if (signed === undefined)
      return error(
        400,
        -1102,
        "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.",
      );
    if (signed === false) return error(400, -1022, 'Signature for this request is not valid.');
    const params = new URLSearchParams(signed);
    const timestamp = Number(params.get('timestamp'));
    const window = Number(params.get('recvWindow') ?? 5000);
    const server = this.#now();
    if (!(timestamp < server + 1000 && server - timestamp <= window))
      return error(400, -1021, 'Timestamp for this request is outside of the recvWindow.');
    return { status: 200, body: binanceRestrictions(key, server) };
  }

  /** Bybit: the key, then X-BAPI-SIGN over timestamp + key + recvWindow + query, then the window. */
  #bybit(req: IncomingMessage, query: string): Reply {
    const error = (status: number, retCode: number, retMsg: string) => ({
      status,
      body: { retCode, retMsg, result: {}, retExtInfo: {}, time: this.#now() },
    });
    const header = (name: string) => String(req.headers[name] ?? '');
    const apiKey = header('x-bapi-api-key');
    const key = this.#keys.bybit.get(apiKey);
    if (!key) return error(401, 10003, 'API key is invalid.');
    const timestamp = header('x-bapi-timestamp');
    const recvWindow = header('x-bapi-recv-window') || '5000';
    const origin = `${timestamp}${apiKey}${recvWindow}${query}`;
    if (!same(hmacHex(key.apiSecret, origin), header('x-bapi-sign').toLowerCase()))
      // Bybit echoes the signed string, the key in it: a client must not repeat this blindly.
      return error(401, 10004, `error sign! origin_string[${origin}]`);
    const server = this.#now();
    const ts = Number(timestamp);
    if (!(server - Number(recvWindow) <= ts && ts < server + 1000))
      return error(
        400,
        10002,
        'invalid request, please check your server timestamp or recv_window param',
      );
    return { status: 200, body: bybitKeyInfo(key, server) };
  }
}

const PATHS = new Map<string, IntrospectedExchange>([
  [BINANCE_PATH, 'binance'],
  [BYBIT_PATH, 'bybit'],
]);

/** The signed part of the query when `signature` (last, hex, any case) signs it; false if not. */
function binanceSigned(query: string, secret: string): string | false | undefined {
  const match = /^(.*)&signature=([0-9a-fA-F]+)$/s.exec(query);
  if (!match) return undefined;
  const [, signed = '', signature = ''] = match;
  return same(hmacHex(secret, signed), signature.toLowerCase()) && signed;
}

function binanceRestrictions(key: FakeKey, now: number) {
  const trade = key.trade ?? true;
  return {
    ipRestrict: (key.ips ?? []).length > 0,
    createTime: now - 86_400_000,
    enableReading: true,
    enableWithdrawals: key.withdraw ?? false,
    enableInternalTransfer: false,
    enableMargin: false,
    enableFutures: false,
    permitsUniversalTransfer: false,
    enableVanillaOptions: false,
    enableFixApiTrade: false,
    enableFixReadOnly: true,
    enableSpotAndMarginTrading: trade,
    enablePortfolioMarginTrading: false,
  };
}

function bybitKeyInfo(key: FakeKey, now: number) {
  const trade = key.trade ?? true;
  const ips = key.ips ?? [];
  const result = {
    id: '1',
    note: 'posture fake',
    apiKey: key.apiKey,
    readOnly: trade ? 0 : 1,
    secret: '',
    permissions: {
      ContractTrade: trade ? ['Order', 'Position'] : [],
      Spot: trade ? ['SpotTrade'] : [],
      Wallet: key.withdraw ? ['AccountTransfer', 'Withdraw'] : ['AccountTransfer'],
      Options: [],
      Derivatives: [],
      CopyTrading: [],
      BlockTrade: [],
      Exchange: [],
      NFT: [],
      Affiliate: [],
    },
    ips: ips.length > 0 ? ips : ['*'],
    type: 1,
    createdAt: new Date(now - 86_400_000).toISOString(),
    uta: 1,
  };
  return { retCode: 0, retMsg: '', result, retExtInfo: {}, time: now };
}
