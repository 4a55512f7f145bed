import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binanceQuery, readBinance } from './binance.ts';
import { bybitHeaders, readBybit } from './bybit.ts';
import { hmacHex, maskedDetail } from './http.ts';
import { ExchangeUnavailableError } from './types.ts';

// Binance's own "SIGNED request example (HMAC)": this secret over this query gives this signature.
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_QUERY =
  'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const key = { apiKey: 'test-api-key-0001', apiSecret: 'test-api-secret-0001' };

describe('exchange request signing', () => {
  it("should reproduce the signature of Binance's documented HMAC example", () => {
    assert.equal(
      hmacHex(DOC_SECRET, DOC_QUERY),
      'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
    );
  });

  it('should sign the Binance query string and put the signature last', () => {
    assert.equal(
      binanceQuery(1499827319559, DOC_SECRET),
      // openssl dgst -sha256 -hmac <secret> over "recvWindow=5000&timestamp=1499827319559"
      'recvWindow=5000&timestamp=1499827319559&signature=82f4e72e95e63d666b6da651e82a701722ad8a785a169318d91f36f279c55821',
    );
  });

  it("should sign Bybit's timestamp + apiKey + recvWindow + queryString (the docs' GET rule)", () => {
    const headers = bybitHeaders(
      { apiKey: 'XXXXXXXXXX', apiSecret: 'posture-test-secret' },
      1658384314791,
      'category=option&symbol=BTC-29JUL22-25000-C',
    );
    assert.deepEqual(headers, {
      'X-BAPI-API-KEY': 'XXXXXXXXXX',
      'X-BAPI-TIMESTAMP': '1658384314791',
      'X-BAPI-RECV-WINDOW': '5000',
      // openssl over "1658384314791XXXXXXXXXX5000category=option&symbol=BTC-29JUL22-25000-C"
      'X-BAPI-SIGN': 'd7b12c121d96f707bb7300190b0ab8d4ed7704b5d73bf4c9c28ffd3786175ee7',
    });
  });

  it('should mask the key and the secret in exchange text and keep it to one short line', () => {
    const text = `error sign! origin_string[1690000000000${key.apiKey}5000]\n ${key.apiSecret} ${'x'.repeat(400)}`;
    const masked = maskedDetail(text, key);
    assert.doesNotMatch(masked, /test-api-(key|secret)/);
    assert.match(
      masked,
      /^error sign! origin_string\[1690000000000\[MASKED\]5000\] \[MASKED\] x+\.\.\.$/,
    );
    assert.ok(masked.length <= 303);
  });
});

describe("reading the exchanges' answers", () => {
  const what = 'test';
  const cases: [string, () => unknown, unknown][] = [
    [
      'should read a Binance key that trades and cannot withdraw, IP-restricted',
      () =>
        readBinance(
          what,
          {
            status: 200,
            body: {
              ipRestrict: true,
              enableReading: true,
              enableWithdrawals: false,
              enableSpotAndMarginTrading: true,
            },
          },
          key,
        ),
      {
        outcome: 'accepted',
        restrictions: {
          withdrawEnabled: false,
          tradeEnabled: true,
          readEnabled: true,
          ipRestricted: true,
        },
      },
    ],
    [
      'should read Binance -1022 as a bad signature',
      () =>
        readBinance(
          what,
          { status: 400, body: { code: -1022, msg: 'Signature for this request is not valid.' } },
          key,
        ),
      {
        outcome: 'refused',
        reason: 'SignatureInvalid',
        detail: 'binance -1022: Signature for this request is not valid.',
      },
    ],
    [
      'should read Binance -2015 as a refused key',
      () =>
        readBinance(
          what,
          {
            status: 401,
            body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
          },
          key,
        ),
      {
        outcome: 'refused',
        reason: 'KeyRefused',
        detail: 'binance -2015: Invalid API-key, IP, or permissions for action.',
      },
    ],
    [
      'should read Binance -1021 (clock outside recvWindow) as a refused request',
      () =>
        readBinance(
          what,
          {
            status: 400,
            body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
          },
          key,
        ),
      {
        outcome: 'refused',
        reason: 'RequestRefused',
        detail: 'binance -1021: Timestamp for this request is outside of the recvWindow.',
      },
    ],
    [
      'should read a Bybit key bound to IPs with Withdraw in its Wallet permissions',
      () =>
        readBybit(
          what,
          {
            status: 200,
            body: {
              retCode: 0,
              retMsg: '',
              result: {
                readOnly: 0,
                ips: ['203.0.113.10'],
                permissions: { Wallet: ['AccountTransfer', 'Withdraw'] },
              },
            },
          },
          key,
        ),
      {
        outcome: 'accepted',
        restrictions: {
          withdrawEnabled: true,
          tradeEnabled: true,
          readEnabled: true,
          ipRestricted: true,
          ips: ['203.0.113.10'],
        },
      },
    ],
    [
      'should read Bybit ips ["*"] as bound to no IP',
      () =>
        readBybit(
          what,
          {
            status: 200,
            body: { retCode: 0, result: { readOnly: 1, ips: ['*'], permissions: { Wallet: [] } } },
          },
          key,
        ),
      {
        outcome: 'accepted',
        restrictions: {
          withdrawEnabled: false,
          tradeEnabled: false,
          readEnabled: true,
          ipRestricted: false,
        },
      },
    ],
    [
      'should read Bybit 10004 as a bad signature and mask the key it echoes',
      () =>
        readBybit(
          what,
          {
            status: 401,
            body: { retCode: 10004, retMsg: `error sign! origin_string[1${key.apiKey}5000]` },
          },
          key,
        ),
      {
        outcome: 'refused',
        reason: 'SignatureInvalid',
        detail: 'bybit 10004: error sign! origin_string[1[MASKED]5000]',
      },
    ],
    [
      'should read Bybit 10010 (unmatched IP) as a refused key',
      () =>
        readBybit(
          what,
          {
            status: 200,
            body: {
              retCode: 10010,
              retMsg: "Unmatched IP, please check your API key's bound IP addresses.",
            },
          },
          key,
        ),
      {
        outcome: 'refused',
        reason: 'KeyRefused',
        detail: "bybit 10010: Unmatched IP, please check your API key's bound IP addresses.",
      },
    ],
  ];
  for (const [name, read, want] of cases) it(name, () => assert.deepEqual(read(), want));

  const unavailable: [string, () => unknown][] = [
    [
      'should not conclude from a Binance 200 without enableWithdrawals',
      () => readBinance(what, { status: 200, body: { ipRestrict: true } }, key),
    ],
    [
      'should not conclude from a Binance 4xx that is not JSON',
      () => readBinance(what, { status: 403, body: undefined }, key),
    ],
    [
      'should not conclude from Bybit rate limiting (10006)',
      () =>
        readBybit(what, { status: 200, body: { retCode: 10006, retMsg: 'Too many visits!' } }, key),
    ],
    [
      'should not conclude from a Bybit answer without a retCode',
      () => readBybit(what, { status: 200, body: { ok: true } }, key),
    ],
  ];
  for (const [name, read] of unavailable)
    it(name, () => assert.throws(read, ExchangeUnavailableError));
});
