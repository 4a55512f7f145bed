/**
 * The contract between the operator and `posture synth`: for every Titan service, what the
 * reconciler's decide wants applied is exactly what synth renders into gitops/ for that app
 * (plus the owner reference only the cluster can have, and the KV versions only Vault can tell,
 * pinned in the Vault Agent templates: docs/adr/0045), and the Vault access is the same; for
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

/** The object as synth renders it: the version pins taken out, each counted. */
function unpinned(o: KubeObject, pins: string[]): KubeObject {
  const text = JSON.stringify(o).replace(/\?version=(\d+)\\"/g, (_match, n: string) => {
    pins.push(n);
    return '\\"';
  });
  return JSON.parse(text) as KubeObject;
}

/** Every path the Titan services read, at version 7 in Vault. */
const versions = new Map(
  [
    ...resources.exchangeCredentials.map((c) => c.object.spec.vaultPath),
    ...resources.tradingServices.flatMap((s) => s.object.spec.secrets.map((x) => x.vaultPath)),
  ].map((path) => [path, 7]),
);

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
        vault: {
          state: 'reachable',
          nkey: { version: 3, publicKey: platform.nats.users[`${namespace}/${name}`] ?? '' },
          versions,
        },
      });
      const synth = rendered.objects
        .filter((o) => o.app.namespace === namespace && o.app.app === name)
        .map((o) => o.manifest)
        .filter((m) => CHILD_KINDS.has(m['kind'] as string));
      assert.equal(synth.length, 4);
      const pins: string[] = [];
      assert.deepEqual(
        decision.objects.map((o) => unpinned(withoutOwner(o), pins)),
        synth,
      );
      // The NKey seed at its version, every secret and credential at Vault's (the key rings
      // pin their own versions, which the example's rings do not have yet).
      type Deployment = { spec: { template: { metadata: { annotations?: object } } } };
      const deployment = decision.objects.find((o) => o.kind === 'Deployment') as
        (KubeObject & Deployment) | undefined;
      const files = Object.keys(deployment?.spec.template.metadata.annotations ?? {}).filter(
        (key) => key.includes('agent-inject-template-'),
      ).length;
      const seed = object.spec.nats ? ['3'] : [];
      const secrets = files - object.spec.hmac.length - seed.length;
      assert.deepEqual(pins.sort(), [...seed, ...Array<string>(secrets).fill('7')]);
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
