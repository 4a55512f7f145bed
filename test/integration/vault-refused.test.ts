/**
 * Vault answers and refuses (403: the operator's policy lacks a call). The TradingService says
 * so in its status, naming the call and the command that prints the policy the operator needs,
 * and the reconcile does not retry in a hot loop: it looks again only slowly.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { operatorPolicy } from '../../src/render/vault/operator-policy.ts';
import { renderPolicyHcl } from '../../src/render/vault/policy.ts';
import { testEnv } from '../support/env.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import {
  conditionOf,
  installPostureCrds,
  rootVault,
  startTradingServiceOperator,
  tradingService,
  type RunningOperator,
} from '../support/tradingservice.ts';
import { switchableVault, type SwitchableVault } from '../support/vault.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const platform = platformSchema.parse({});

/** A token with the operator's policy minus writing service policies. */
async function narrowToken(name: string): Promise<string> {
  const rules = operatorPolicy(platform).rules.filter((r) => !r.path.startsWith('sys/policies/'));
  await rootVault().writePolicy(name, renderPolicyHcl({ name, rules }));
  const env = testEnv().vault!;
  const response = await fetch(`${env.addr}/v1/auth/token/create`, {
    method: 'POST',
    headers: { 'x-vault-token': env.token },
    body: JSON.stringify({ policies: [name], no_default_policy: true, ttl: '1h' }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { auth: { client_token: string } }).auth.client_token;
}

describe('Vault refusing the operator a call', () => {
  let admin: KubeClient;
  let namespace: string;
  let operator: RunningOperator;
  let vault: SwitchableVault;
  const policy = `posture-narrow-${randomBytes(3).toString('hex')}`;

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'refused');
    await admin.create(
      TRADING_SERVICE,
      tradingService(namespace, 'trader', {
        secrets: [{ name: 'DB', file: 'db', key: 'url', vaultPath: `secret/${namespace}/db` }],
      }),
    );
    const token = await narrowToken(policy);
    const address = testEnv().vault!.addr;
    vault = switchableVault(new HttpVaultAdapter({ address, token: staticToken(token) }));
    operator = startTradingServiceOperator({ namespace, platform, vault, resyncPeriodMs: 600_000 });
  });

  after(async () => {
    await operator.stop();
    await admin.delete(RESOURCES.namespace, { name: namespace });
    await rootVault().deletePolicy(policy);
  });

  it('should report VaultRefused naming the call and the policy command, and not retry hot', async () => {
    const refused = await eventually(
      'VaultUnavailable True, VaultRefused',
      async () => {
        const ts = await admin.get(TRADING_SERVICE, { name: 'trader', namespace });
        const c = conditionOf(ts, 'VaultUnavailable') as
          { reason?: string; message?: string } | undefined;
        return c?.reason === 'VaultRefused' ? c : undefined;
      },
      30_000,
    );
    assert.match(refused.message ?? '', /sys\/policies\/acl\/posture-.*: 403/);
    assert.match(refused.message ?? '', /posture vault operator-policy/);
    // Its own status write brings one more reconcile (one more refusal, about 5 calls); a hot
    // retry with backoff would make several within the window (5 ms, 10 ms, ... 1.3 s).
    await sleep(1000);
    const calls = vault.calls();
    await sleep(3000);
    const made = vault.calls() - calls;
    assert.ok(made <= 5, `${made} Vault calls in 3 s: more than one reconcile, a hot retry`);
    // Not an error to back off from: a requeue far ahead.
    const results =
      await operator.metrics.registry.getSingleMetricAsString('posture_reconcile_total');
    assert.match(results, /kind="TradingService",result="requeue"\} [1-9]/);
    assert.match(results, /kind="TradingService",result="error"\} 0$/m);
  });
});
