import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store, type Change } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { DEFAULT_DENY } from '../../render/namespace.ts';
import { serviceNamespace } from './baseline.ts';
import { namespaceOfService } from './isolation.ts';
import { ISOLATION_LABEL, ISOLATION_STATUS } from './isolation-state.ts';

/** Which namespace a TradingService's change queues for the baseline and the isolation. */

const service = (): KubeObject => ({
  metadata: { name: 'quote', namespace: 'titan', resourceVersion: '1', generation: 1 },
  spec: { replicas: 2 },
});

const added: Change<KubeObject> = { type: 'add', key: 'titan/quote', object: service() };
const statusWrite: Change<KubeObject> = {
  type: 'update',
  key: 'titan/quote',
  object: { ...service(), status: { observedGeneration: 1 } },
  old: service(),
};
const removed: Change<KubeObject> = { type: 'delete', key: 'titan/quote', object: service() };

const cacheOf = (objects: KubeObject[]) => {
  const store = new Store<KubeObject>();
  objects.forEach((o) => store.upsert(o));
  return { store };
};

const policy = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { name: DEFAULT_DENY, namespace: 'titan', resourceVersion: '1' },
} as unknown as KubeObject;

const namespace = (labels: Record<string, string>, annotations: Record<string, string> = {}) =>
  ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'titan', resourceVersion: '1', labels, annotations },
  }) as unknown as KubeObject;

describe('the namespace baseline, queued by a TradingService', () => {
  const cases: [string, KubeObject[], Change<KubeObject>, string[]][] = [
    ['a new service where no default-deny is cached queues its namespace', [], added, ['titan']],
    ['a new service where the default-deny is cached queues nothing', [policy], added, []],
    ['a status write queues nothing', [], statusWrite, []],
    ['a deleted service where the default-deny is cached queues nothing', [policy], removed, []],
  ];
  for (const [name, policies, change, want] of cases)
    it(name, () => assert.deepEqual(serviceNamespace(cacheOf(policies))(change), want));
});

describe('the namespace isolation, queued by a TradingService', () => {
  const released = JSON.stringify({ state: 'released', since: 'x', steps: [] });
  const cases: [string, KubeObject[], Change<KubeObject>, string[]][] = [
    ['a new service in a namespace never isolated queues nothing', [namespace({})], added, []],
    [
      'a new service in an isolated namespace queues it (fail closed)',
      [namespace({ [ISOLATION_LABEL]: 'isolated' })],
      added,
      ['titan'],
    ],
    [
      'a new service in a namespace with an isolation on record queues it',
      [namespace({}, { [ISOLATION_STATUS]: released })],
      added,
      ['titan'],
    ],
    ['a new service in a namespace not cached yet queues it', [], added, ['titan']],
    [
      'a status write in an isolated namespace queues nothing',
      [namespace({ [ISOLATION_LABEL]: 'isolated' })],
      statusWrite,
      [],
    ],
  ];
  for (const [name, namespaces, change, want] of cases)
    it(name, () => assert.deepEqual(namespaceOfService(cacheOf(namespaces))(change), want));
});
