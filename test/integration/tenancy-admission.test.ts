/**
 * Vault tenancy at admission (docs/adr/0037): the ValidatingAdmissionPolicy `posture synth`
 * renders from the platform settings, on the real apiserver, refuses a TradingService secret
 * outside its namespace's prefix (or the shared ones) and a credential or key ring outside it,
 * and admits what the namespace owns.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { tenancyAdmissionParts } from '../../src/render/admission.ts';
import { partManifest } from '../../src/render/objects.ts';
import { platformSchema } from '../../src/api/platform/settings.ts';
import { kubectl } from '../support/env.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import {
  exchangeCredential,
  installPostureCrds,
  tradingService,
} from '../support/tradingservice.ts';

const service = (namespace: string, name: string, vaultPath: string) =>
  tradingService(namespace, name, {
    secrets: [{ name: 'DB', file: 'db', key: 'url', vaultPath }],
  });

const create = (object: object) => kubectl(['create', '-f', '-'], JSON.stringify(object));

describe('Vault tenancy at admission (ValidatingAdmissionPolicy)', () => {
  let admin: KubeClient;
  let namespace: string;
  const id = randomBytes(3).toString('hex');
  const name = `posture-vault-tenancy-${id}`;

  before(async () => {
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'tenancy');
    const platform = platformSchema.parse({
      vault: { tenancy: { sharedPrefixes: ['secret/shared/'] } },
    });
    type Manifest = { metadata: { name: string }; spec: Record<string, unknown> };
    const [policy, binding] = tenancyAdmissionParts(platform).map(
      (p) => partManifest(p) as unknown as Manifest,
    );
    if (!policy || !binding) throw new Error('the policy renders two objects');
    // Its own names and only this test's namespace: other tests share the apiserver.
    policy.metadata.name = name;
    binding.metadata.name = name;
    binding.spec.policyName = name;
    binding.spec.matchResources = {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
    };
    for (const object of [policy, binding]) {
      const applied = await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(object));
      assert.equal(applied.code, 0, applied.stderr);
    }
    // The apiserver loads policies asynchronously: wait until it enforces this one.
    await eventually(
      'the policy to be enforced',
      async () => {
        const probe = await create(
          service(namespace, `probe-${randomBytes(2).toString('hex')}`, 'secret/other/x'),
        );
        return probe.code !== 0 && /ValidatingAdmissionPolicy/.test(probe.stderr)
          ? true
          : undefined;
      },
      30_000,
    );
  });

  after(async () => {
    await admin.delete(RESOURCES.namespace, { name: namespace });
    await kubectl(['delete', 'validatingadmissionpolicybinding,validatingadmissionpolicy', name]);
  });

  it("should refuse a secret under another namespace's prefix and name the prefix it owns", async () => {
    const result = await create(service(namespace, 'thief', 'secret/titan/exchanges/binance'));
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`every vaultPath must lie under secret/${namespace}/`));
  });

  it('should admit a secret under its own prefix or a shared one', async () => {
    const own = await create(service(namespace, 'own', `secret/${namespace}/db`));
    assert.equal(own.code, 0, own.stderr);
    const shared = await create(service(namespace, 'shared', 'secret/shared/ca'));
    assert.equal(shared.code, 0, shared.stderr);
  });

  it('should refuse a credential outside its namespace, even under a shared prefix', async () => {
    for (const path of ['secret/titan/exchanges/binance', 'secret/shared/binance']) {
      const result = await create(
        exchangeCredential(namespace, {
          name: `c-${randomBytes(2).toString('hex')}`,
          vaultPath: path,
        }),
      );
      assert.notEqual(result.code, 0, path);
      assert.match(result.stderr, /spec\.vaultPath must lie under/);
    }
    const own = await create(
      exchangeCredential(namespace, {
        name: 'binance',
        vaultPath: `secret/${namespace}/exchanges/binance`,
      }),
    );
    assert.equal(own.code, 0, own.stderr);
  });
});
