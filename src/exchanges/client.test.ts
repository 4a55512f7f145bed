import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { HttpExchanges } from './client.ts';
import { FakeExchange } from './testing/fake-exchange.ts';
import { ExchangeUnavailableError, INTROSPECTED, type KeyAnswer } from './types.ts';

const key = { apiKey: 'client-test-key-7f3a', apiSecret: 'client-test-secret-9c2e' };
const wrongSecret = { ...key, apiSecret: 'not-the-secret' };

describe('the exchange client against both documented endpoints', () => {
  let fake: FakeExchange;
  let client: HttpExchanges;

  before(async () => {
    fake = await FakeExchange.start();
    fake.setKey('binance', { ...key, ips: ['203.0.113.10'] });
    fake.setKey('bybit', { ...key, ips: ['203.0.113.10'] });
    client = new HttpExchanges({
      endpoints: { binance: fake.url, bybit: fake.url },
      timeoutMs: 2000,
    });
  });
  after(() => fake.stop());

  for (const exchange of INTROSPECTED) {
    it(`should read a trade-only ${exchange} key signed the way ${exchange} checks it`, async () => {
      const answer = await client.describeKey(exchange, key);
      assert.equal(answer.outcome, 'accepted');
      assert.equal(answer.outcome === 'accepted' && answer.restrictions.withdrawEnabled, false);
      assert.equal(answer.outcome === 'accepted' && answer.restrictions.ipRestricted, true);
    });

    it(`should report ${exchange}'s own refusal of a wrong secret, never the key`, async () => {
      const answer = await client.describeKey(exchange, wrongSecret);
      assert.equal(answer.outcome, 'refused');
      assert.equal(answer.outcome === 'refused' && answer.reason, 'SignatureInvalid');
      assert.match(JSON.stringify(answer), exchange === 'binance' ? /-1022/ : /10004/);
      assert.doesNotMatch(JSON.stringify(answer), /client-test-key|not-the-secret/);
    });

    it(`should report an unknown key as refused by ${exchange}`, async () => {
      const answer = await client.describeKey(exchange, { apiKey: 'other', apiSecret: 'x' });
      assert.equal(answer.outcome === 'refused' && answer.reason, 'KeyRefused');
    });

    it(`should report a clock outside ${exchange}'s window as a refused request`, async () => {
      const skewed = new HttpExchanges({
        endpoints: { [exchange]: fake.url },
        now: () => Date.now() - 600_000,
      });
      const answer = await skewed.describeKey(exchange, key);
      assert.equal(answer.outcome === 'refused' && answer.reason, 'RequestRefused');
    });

    it(`should not conclude anything while ${exchange} answers 503`, async () => {
      fake.setDown(exchange, true);
      try {
        await assert.rejects(client.describeKey(exchange, key), /unavailable: HTTP 503/);
      } finally {
        fake.setDown(exchange, false);
      }
    });
  }

  it('should give up at the deadline when the exchange never answers', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const slow = new HttpExchanges({
      endpoints: { binance: `http://127.0.0.1:${port}` },
      timeoutMs: 200,
    });
    const started = Date.now();
    await assert.rejects(
      slow.describeKey('binance', key),
      (error: unknown) =>
        error instanceof ExchangeUnavailableError && /no answer within 200 ms/.test(error.message),
    );
    assert.ok(Date.now() - started < 2000);
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  });

  it('should name a refused connection without the key or the signed query', async () => {
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const { port } = gone.address() as { port: number };
    await new Promise((resolve) => gone.close(resolve));
    const closed = new HttpExchanges({ endpoints: { bybit: `http://127.0.0.1:${port}` } });
    const error = await closed.describeKey('bybit', key).then(
      (answer: KeyAnswer) => answer,
      (e: unknown) => e,
    );
    assert.ok(error instanceof ExchangeUnavailableError);
    assert.match(error.message, /^bybit GET \/v5\/user\/query-api: unavailable: ECONNREFUSED$/);
  });

  it('should refuse an endpoint for an exchange it cannot ask', () => {
    assert.throws(
      () => new HttpExchanges({ endpoints: { gemini: 'http://127.0.0.1:1' } }),
      /exchange endpoint gemini: posture asks only binance, bybit about keys/,
    );
  });
});
