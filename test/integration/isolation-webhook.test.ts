/**
 * Issue 15, items 4 and 5: the alert webhook of `posture operator` (--webhook-port) against the
 * real apiserver and Vault. A signed alert isolates its namespace; a bad signature, a replayed
 * nonce, a stale timestamp, an oversized body, unknown fields and a flood are all refused,
 * nothing else is isolated, and every request leaves an audit line without any secret.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tradingServiceController } from '../../src/controllers/tradingservice/reconcile.ts';
import { isolationStatus } from '../../src/controllers/tradingservice/isolation-state.ts';
import { generateRing } from '../../src/hmac/keygen.ts';
import { ring as ringOfFile } from '../../src/hmac/testing/rings.ts';
import { Signer } from '../../src/hmac/sign.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { freePort } from '../../src/testenv/process.ts';
import { ISOLATE_PATH, SIGNATURE_HEADER } from '../../src/webhook/handler.ts';
import {
  createTestNamespace,
  eventually,
  startTestOperator,
  testKubeClient,
  type TestOperator,
} from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { installPostureCrds } from '../support/tradingservice.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

describe('the alert webhook of posture operator', () => {
  const dir = scratchDir('posture-webhook-');
  const keyFile = join(dir, 'ring.json');
  const auditFile = join(dir, 'audit.log');
  const ringFile = generateRing('sha256', 'falco-1');
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let operator: TestOperator | undefined;
  let url: string;
  const signer = new Signer({ ring: ringOfFile(ringFile) });

  const send = (body: string, signature: string | undefined, contentType = 'application/json') =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': contentType, ...(signature && { [SIGNATURE_HEADER]: signature }) },
      body,
    });
  const isolated = async () =>
    (await admin.get(RESOURCES.namespace, { name: namespace }))?.metadata.labels?.[
      'posture.dev/isolation'
    ];

  before(async () => {
    writeFileSync(keyFile, JSON.stringify(ringFile), { mode: 0o600 });
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'webhook');
    login = await operatorVaultLogin(namespace);
    const port = await freePort();
    url = `http://127.0.0.1:${port}${ISOLATE_PATH}`;
    operator = startTestOperator({
      namespace,
      podName: 'webhook-test',
      register: [tradingServiceController(login.platform, { namespace })],
      vault: login,
      flags: [
        `--webhook-port=${port}`,
        '--webhook-host=127.0.0.1',
        `--webhook-key-file=${keyFile}`,
        `--webhook-audit-file=${auditFile}`,
      ],
    });
    await eventually(
      'the webhook listening',
      () =>
        send('{}', undefined).then(
          () => true,
          () => undefined,
        ),
      30_000,
    );
  });

  after(async () => {
    await operator?.stop();
    await login?.remove();
    await admin?.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should refuse every attack and isolate nothing', async () => {
    const alert = JSON.stringify({ namespace, reason: 'attack' });
    const forged = new Signer({ ring: ringOfFile(generateRing('sha256', 'falco-1')) });
    const replayed = signer.signToString(alert);
    const stale = new Signer({
      ring: ringOfFile(ringFile),
      clock: { now: () => Date.now() - 120_000 },
    });
    const big = JSON.stringify({ namespace, reason: 'x'.repeat(20_000) });
    const cases: [string, Promise<Response>, number][] = [
      ['bad signature', send(alert, forged.signToString(alert)), 401],
      ['stale timestamp', send(alert, stale.signToString(alert)), 401],
      ['oversized body', send(big, signer.signToString(big)), 413],
      [
        'unknown fields',
        send(
          JSON.stringify({ namespace, reason: 'x', release: true }),
          signer.signToString(JSON.stringify({ namespace, reason: 'x', release: true })),
        ),
        400,
      ],
      ['no signature', send(alert, undefined), 401],
    ];
    for (const [what, response, status] of cases)
      assert.equal((await response).status, status, what);
    // The replay: the first use of the envelope is refused for its body, which the second repeats.
    const wrongBody = JSON.stringify({ namespace: 'other-namespace', reason: 'x', extra: 1 });
    assert.equal((await send(wrongBody, replayed)).status, 401, 'an envelope for another body');
    assert.equal(await isolated(), undefined, 'nothing isolated');
    const audit = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: number; result: string });
    assert.ok(audit.length >= cases.length + 1, 'an audit line per request');
    assert.doesNotMatch(
      readFileSync(auditFile, 'utf8'),
      new RegExp(ringFile.primary.slice(0, 16).replace(/[+/]/g, '.')),
    );
    assert.doesNotMatch(
      readFileSync(auditFile, 'utf8'),
      /v1\.\d{13}\./,
      'no signature in the audit',
    );
  });

  it('should isolate the namespace a signed alert names, and refuse the same request replayed', async () => {
    const alert = JSON.stringify({
      namespace,
      reason: 'falco: shell in execution',
      source: 'falco',
    });
    const signature = signer.signToString(alert);
    const response = await send(alert, signature);
    assert.equal(response.status, 202, await response.text());
    assert.equal((await send(alert, signature)).status, 401, 'replayed');
    const status = await eventually(
      'isolated by the operator',
      async () => {
        const s = isolationStatus(await admin.get(RESOURCES.namespace, { name: namespace }));
        return s?.state === 'isolated' ? s : undefined;
      },
      60_000,
    );
    assert.equal(status.actor, 'webhook:falco');
    assert.equal(status.reason, 'falco: shell in execution');
  });

  it('should answer a flood with 429 and Retry-After', async () => {
    let limited: Response | undefined;
    for (let i = 0; i < 40 && !limited; i++) {
      const body = JSON.stringify({ namespace, reason: `flood ${i}` });
      const response = await send(body, signer.signToString(body));
      if (response.status === 429) limited = response;
    }
    assert.ok(limited, 'the flood was limited');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });
});
