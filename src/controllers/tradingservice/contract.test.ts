/**
 * The contract between the operator and `posture synth`: for every Titan service, what the
 * reconciler's decide wants applied is exactly what synth renders into gitops/ for that app
 * (plus the owner reference only the cluster can have), and the Vault access is the same; for
 * every namespace, the baseline is the same; the NATS auth config is the same object.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlatformDir } from '../../gitops/source.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { renderResources } from '../../render/index.ts';
import { natsAuthSecret } from '../../nats/publisher.ts';
import { TradingServiceSchema } from '../../api/tradingservice/schema.ts';
import { baselineObjects } from './baseline.ts';
import { decideTradingService } from './decide.ts';
import { natsAuthText } from './nats.ts';

const titan = readPlatformDir('examples/titan');
const { platform, resources } = titan;
const rendered = renderResources({
  platform,
  resources,
  nkeys: (s) => platform.nats.users[`${s.namespace}/${s.name}`],
});
const CHILD_KINDS = new Set(['ServiceAccount', 'Service', 'Deployment', 'CiliumNetworkPolicy']);

const withoutOwner = (o: KubeObject) => {
  const { ownerReferences, ...metadata } = o.metadata;
  assert.equal(ownerReferences?.[0]?.kind, 'TradingService', 'the operator owns what it applies');
  return { ...o, metadata };
};

describe('operator ≡ posture synth for the Titan platform', () => {
  for (const { object } of resources.tradingServices) {
    const { name, namespace = '' } = object.metadata;
    it(`should want the same objects and Vault access for ${namespace}/${name} as synth renders`, () => {
      const decision = decideTradingService({
        object: { ...object, metadata: { ...object.metadata, uid: 'uid-1' } },
        services: resources.tradingServices.map((s) => s.object),
        credentials: resources.exchangeCredentials.map((s) => s.object),
        keyRings: resources.hmacKeyRings.map((s) => s.object),
        platform,
        vault: { state: 'reachable', natsUser: platform.nats.users[`${namespace}/${name}`] ?? '' },
      });
      const synth = rendered.objects
        .filter((o) => o.app.namespace === namespace && o.app.app === name)
        .map((o) => o.manifest)
        .filter((m) => CHILD_KINDS.has(m['kind'] as string));
      assert.equal(synth.length, 4);
      assert.deepEqual(decision.objects.map(withoutOwner), synth);
      const access = rendered.vault.find(
        (v) => v.app.namespace === namespace && v.app.app === name,
      );
      assert.deepEqual(decision.access, access?.access);
    });
  }
});

describe('operator ≡ posture synth for what is shared by many services', () => {
  const namespaces = [
    ...new Set(resources.tradingServices.map((s) => s.object.metadata.namespace)),
  ];
  for (const namespace of namespaces) {
    it(`should apply the same Namespace and default-deny policy to ${namespace} as synth renders`, () => {
      const synth = rendered.objects
        .filter(
          (o) =>
            (o.app.app === 'namespaces' && o.manifest['kind'] === 'Namespace') ||
            (o.app.namespace === namespace && o.app.app === '_baseline'),
        )
        .map((o) => o.manifest)
        .filter((m) => (m['metadata'] as { name?: string }).name !== 'posture-quarantine')
        .filter(
          (m) =>
            m['kind'] !== 'Namespace' || (m['metadata'] as { name?: string }).name === namespace,
        );
      assert.deepEqual(baselineObjects(namespace ?? ''), synth);
    });
  }

  it('should write the same NATS auth Secret, byte for byte, as synth renders', () => {
    const services = resources.tradingServices.map((s) => TradingServiceSchema.parse(s.object));
    const operator = natsAuthSecret(
      platform.nats.namespace,
      natsAuthText(platform, services, new Map(Object.entries(platform.nats.users))),
    );
    const synth = rendered.objects.filter((o) => o.app.app === 'posture-nats-auth');
    assert.equal(synth.length, 1);
    assert.equal(operator.kind, 'Secret');
    assert.deepEqual(operator, synth[0]?.manifest);
  });
});
