import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { TradingServiceSchema } from '../../api/tradingservice/schema.ts';
import { titanObjects } from './testing/harness.ts';
import {
  bySpec,
  ParsedCache,
  cachedOnly,
  childOwners,
  credentialConsumers,
  keyRingMembers,
  namedPeers,
} from './gather.ts';
import { APPLIED_HASH_ANNOTATION } from '../../operator/kube/apply.ts';

/**
 * Which services a change of another CR reconciles: those it grants to and those it took access
 * away from, so a withdrawal reaches the service in the reconcile the change triggers.
 */

const cr = (version: string, spec: Record<string, unknown>) =>
  ({ metadata: { name: 'x', namespace: 'titan', resourceVersion: version }, spec }) as KubeObject;

/** The change a Store reports for `before` then `after` (after undefined: deleted). */
function change(before: KubeObject, after?: KubeObject) {
  const store = new Store<KubeObject>();
  store.upsert(before);
  const reported = after ? store.upsert(after) : store.remove(before);
  assert.ok(reported);
  return reported;
}

describe('TradingService gather: dependants of a change', () => {
  const cases: [
    string,
    (c: ReturnType<typeof change>) => string[],
    ReturnType<typeof change>,
    string[],
  ][] = [
    [
      'should reconcile a consumer the credential dropped, and the one it added',
      credentialConsumers,
      change(cr('1', { consumers: ['execution'] }), cr('2', { consumers: ['brain'] })),
      ['titan/brain', 'titan/execution'],
    ],
    [
      'should reconcile every consumer of a deleted credential',
      credentialConsumers,
      change(cr('1', { consumers: ['execution', 'hunter'] })),
      ['titan/execution', 'titan/hunter'],
    ],
    [
      'should reconcile a listener the key ring dropped',
      keyRingMembers,
      change(
        cr('1', { signers: ['brain'], listeners: ['execution'] }),
        cr('2', { signers: ['brain'], listeners: [] }),
      ),
      ['titan/brain', 'titan/execution'],
    ],
    [
      'should reconcile a peer the service no longer names',
      namedPeers,
      change(
        cr('1', {
          ingress: [{ service: 'console' }],
          egress: { services: [{ service: 'nats', namespace: 'infra' }] },
        }),
        cr('2', { ingress: [], egress: { services: [] } }),
      ),
      ['infra/nats', 'titan/console'],
    ],
  ];
  for (const [name, map, c, want] of cases) {
    it(name, () => assert.deepEqual(map(c).sort(), want));
  }
});

describe('TradingService gather: a child change and its owner', () => {
  const owner = [{ kind: 'TradingService', name: 'brain', controller: true }];
  const child = (version: string, extra: Record<string, unknown> = {}) =>
    ({
      metadata: {
        name: 'brain',
        namespace: 'titan',
        resourceVersion: version,
        ownerReferences: owner,
      },
      ...extra,
    }) as KubeObject;
  const applied = (version: string) => {
    const object = child(version);
    object.metadata.annotations = { [APPLIED_HASH_ANNOTATION]: 'abc' };
    return object;
  };
  const added = (object: KubeObject) => new Store<KubeObject>().upsert(object)!;
  const map = childOwners('Deployment', () => false);
  const cases: [string, ReturnType<typeof added>, string[]][] = [
    [
      'should not reconcile for the echo of its own apply (an add posture applied)',
      added(applied('1')),
      [],
    ],
    ['should reconcile for a child someone else created', added(child('1')), ['titan/brain']],
    ['should reconcile for a child that was deleted', change(applied('1')), ['titan/brain']],
    [
      'should reconcile for a child someone changed',
      change(applied('1'), child('2', { spec: { replicas: 5 } })),
      ['titan/brain'],
    ],
    [
      'should reconcile when the ready replicas change, and not for other status',
      change(
        child('1', { status: { readyReplicas: 1 } }),
        child('2', { status: { readyReplicas: 2 } }),
      ),
      ['titan/brain'],
    ],
    [
      'should not reconcile for a status change that keeps the ready replicas',
      change(
        child('1', { status: { readyReplicas: 1 } }),
        child('2', { status: { readyReplicas: 1, observedGeneration: 2 } }),
      ),
      [],
    ],
  ];
  for (const [name, c, expected] of cases) it(name, () => assert.deepEqual(map(c), expected));
});

describe('TradingService gather: only services the cache has', () => {
  it('should drop the keys of peers, consumers and members that do not exist', () => {
    const services = new Store<KubeObject>();
    services.upsert({ metadata: { name: 'brain', namespace: 'titan', resourceVersion: '1' } });
    const informer = { store: services } as unknown as Parameters<typeof cachedOnly>[0];
    const map = cachedOnly(informer, credentialConsumers);
    const dropped = change(cr('1', { consumers: ['brain', 'nobody'] }), cr('2', { consumers: [] }));
    assert.deepEqual(map(dropped), ['titan/brain']);
  });
});

describe('ParsedCache: each TradingService parsed once per change it reads', () => {
  /** The schema of TradingServices, counting its parses. */
  function counted() {
    const count = { parses: 0 };
    const schema = {
      safeParse: (value: unknown) => {
        count.parses++;
        return TradingServiceSchema.safeParse(value);
      },
    };
    return { cache: new ParsedCache(schema, bySpec), count };
  }
  const brain = titanObjects.services.find((s) => s.metadata.name === 'brain')!;
  const at = (resourceVersion: string, generation: number, status?: Record<string, unknown>) =>
    ({
      ...structuredClone(brain),
      metadata: { ...brain.metadata, uid: 'u1', resourceVersion, generation },
      ...(status && { status }),
    }) as KubeObject;

  it("should reuse the dependency reader's parse for the reconcile of the same version", () => {
    const { cache, count } = counted();
    cache.valid([at('1', 1)]);
    const own = cache.exact(at('1', 1));
    assert.ok(own.ok);
    assert.equal(count.parses, 1);
  });

  it('should parse the object again for its own reconcile once its status changed', () => {
    const { cache, count } = counted();
    cache.exact(at('1', 1));
    const own = cache.exact(at('2', 1, { natsUser: 'UNEW' }));
    assert.equal(own.ok && own.value.status?.natsUser, 'UNEW');
    assert.equal(count.parses, 2);
    cache.valid([at('2', 1, { natsUser: 'UNEW' })]);
    cache.valid([at('3', 1, { natsUser: 'UNEWER' })]);
    assert.equal(count.parses, 2, 'peers read the spec: a status write is no new parse');
  });

  it('should say why an object is not valid, naming the field', () => {
    const { cache } = counted();
    const spec = (brain as unknown as { spec: Record<string, unknown> }).spec;
    const bad = { ...at('1', 1), spec: { ...spec, ports: 'http' } } as KubeObject;
    const own = cache.exact(bad);
    assert.equal(own.ok, false);
    assert.match(own.ok ? '' : own.message, /ports/);
    assert.deepEqual(cache.valid([bad]), []);
  });
});
