import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Signer } from '../hmac/sign.ts';
import { fixedNonce, manualClock, ring, ringFile } from '../hmac/testing/rings.ts';
import { Verifier } from '../hmac/verify.ts';
import {
  ISOLATE_PATH,
  MAX_BODY_BYTES,
  WebhookHandler,
  type AuditLine,
  type WebhookRequest,
} from './handler.ts';

const KEYS = ringFile('alerts');

function setup(options: { perKeyPerMinute?: number } = {}) {
  const clock = manualClock();
  const isolated: { namespace: string; actor: string }[] = [];
  const audit: AuditLine[] = [];
  const handler = new WebhookHandler({
    verifier: new Verifier({ ring: ring(KEYS), clock }),
    isolate: (request, actor) => {
      isolated.push({ namespace: request.namespace, actor });
      return Promise.resolve();
    },
    audit: (line) => audit.push(line),
    clock,
    ...options,
  });
  const signer = new Signer({ ring: ring(KEYS), clock });
  const request = (body: string, over: Partial<WebhookRequest> = {}): WebhookRequest => ({
    method: 'POST',
    path: ISOLATE_PATH,
    contentType: 'application/json',
    signature: signer.signToString(body),
    body: Buffer.from(body),
    truncated: false,
    ...over,
  });
  return { handler, isolated, audit, request, clock };
}

const ALERT = JSON.stringify({
  namespace: 'titan',
  reason: 'falco: shell in execution',
  source: 'falco',
});

describe('the isolation webhook', () => {
  it('should isolate the namespace a correctly signed alert names, once', async () => {
    const { handler, isolated, audit, request } = setup();
    const response = await handler.handle(request(ALERT));
    assert.equal(response.status, 202);
    assert.deepEqual(isolated, [{ namespace: 'titan', actor: 'webhook:falco' }]);
    assert.equal(audit[0]?.keyId, 'alerts');
    assert.equal(audit[0]?.namespace, 'titan');
    assert.match(audit[0]?.bodySha256 ?? '', /^[0-9a-f]{64}$/);
  });

  const attacks: [
    string,
    (s: ReturnType<typeof setup>) => WebhookRequest | Promise<WebhookRequest>,
    number,
    string,
  ][] = [
    [
      'should refuse a body signed with another key',
      (s) => ({
        ...s.request(ALERT),
        signature: new Signer({ ring: ring(ringFile('alerts')), clock: s.clock }).signToString(
          ALERT,
        ),
      }),
      401,
      'BadSignature',
    ],
    [
      'should refuse a body changed after signing',
      (s) => ({ ...s.request(ALERT), body: Buffer.from(ALERT.replace('titan', 'other')) }),
      401,
      'BadSignature',
    ],
    [
      'should refuse an unknown key id',
      (s) => ({
        ...s.request(ALERT),
        signature: new Signer({ ring: ring(ringFile('intruder')), clock: s.clock }).signToString(
          ALERT,
        ),
      }),
      401,
      'UnknownKeyId',
    ],
    [
      'should refuse a replayed request',
      async (s) => {
        const once = s.request(ALERT);
        await s.handler.handle(once);
        return once;
      },
      401,
      'ReplayedNonce',
    ],
    [
      'should refuse a timestamp more than a minute old',
      (s) => {
        const old = s.request(ALERT);
        s.clock.set(s.clock.now() + 61_000);
        return old;
      },
      401,
      'StaleTimestamp',
    ],
    [
      'should refuse a missing signature',
      (s) => ({ ...s.request(ALERT), signature: undefined }),
      401,
      'MissingSignature',
    ],
    [
      'should refuse an oversized body before reading it',
      (s) => ({ ...s.request('x'.repeat(MAX_BODY_BYTES + 1)), truncated: true }),
      413,
      'BodyTooLarge',
    ],
    [
      'should refuse unknown fields',
      (s) => s.request(JSON.stringify({ namespace: 'titan', reason: 'x', action: 'release' })),
      400,
      'InvalidRequest',
    ],
    [
      'should refuse a namespace that is not a name',
      (s) => s.request(JSON.stringify({ namespace: '../kube-system', reason: 'x' })),
      400,
      'InvalidRequest',
    ],
    [
      'should refuse a body that is not JSON',
      (s) => s.request('namespace=titan'),
      400,
      'InvalidJson',
    ],
    [
      'should refuse another media type',
      (s) => ({ ...s.request(ALERT), contentType: 'text/plain' }),
      415,
      'UnsupportedMediaType',
    ],
    [
      'should refuse another method',
      (s) => ({ ...s.request(ALERT), method: 'GET' }),
      405,
      'MethodNotAllowed',
    ],
    [
      'should refuse another path',
      (s) => ({ ...s.request(ALERT), path: '/v1/release' }),
      404,
      'NotFound',
    ],
  ];
  for (const [name, make, status, result] of attacks)
    it(name, async () => {
      const s = setup();
      const attack = await make(s);
      const before = s.isolated.length;
      const response = await s.handler.handle(attack);
      assert.equal(response.status, status);
      assert.equal(response.body.result, result);
      assert.equal(s.isolated.length, before, 'nothing isolated');
      assert.equal(s.audit.at(-1)?.result, result, 'an audit line for the refusal');
      assert.doesNotMatch(JSON.stringify(s.audit), /v1\.\d+\./, 'no signature in the audit');
    });

  it('should answer a flood from one key with 429 and Retry-After', async () => {
    const s = setup({ perKeyPerMinute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await s.handler.handle(s.request(ALERT))).status);
    assert.deepEqual(statuses, [202, 202, 202, 429, 429]);
    const limited = await s.handler.handle(s.request(ALERT));
    assert.ok(Number(limited.headers?.['retry-after']) >= 1);
    assert.equal(s.isolated.length, 3);
  });

  it('should refuse everyone for a while after a flood of bad requests', async () => {
    const s = setup();
    let last = 0;
    for (let i = 0; i < 700; i++)
      last = (await s.handler.handle({ ...s.request(ALERT), signature: 'v1.0.AAAA.AAAA.nobody' }))
        .status;
    assert.equal(last, 429);
    assert.equal((await s.handler.handle(s.request(ALERT))).status, 429, 'even a good one waits');
    assert.equal(s.isolated.length, 0);
  });

  it('should use a fixed nonce only once', async () => {
    const s = setup();
    const signer = new Signer({ ring: ring(KEYS), clock: s.clock, random: fixedNonce(7) });
    const first = await s.handler.handle({
      ...s.request(ALERT),
      signature: signer.signToString(ALERT),
    });
    const second = await s.handler.handle({
      ...s.request(ALERT),
      signature: signer.signToString(ALERT),
    });
    assert.deepEqual([first.status, second.status], [202, 401]);
  });
});
