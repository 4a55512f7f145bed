import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RESOURCES } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { FakeVault } from '../../vault/fake.ts';
import { FINALIZER } from './reconcile.ts';
import { harness, titanObjects, type Harness } from './testing/harness.ts';

/**
 * The NKey rotation and secret version pins through the whole reconcile (recording fakes): the
 * order of Vault writes, NATS asks, templates and status; a retry or a restart never writes a
 * second seed. decideNkey's table (nkey-rotation.test.ts) covers every step on its own.
 */

const SEED = 'secret/posture/nats/titan/brain';
const DB = 'secret/titan/brain/postgres';

interface Status {
  natsUser?: string;
  previousNatsUser?: string;
  nkeyVersion?: number;
  nkeyPinnedVersion?: number;
  nkeyRotationRequest?: string;
  conditions?: { type: string; status: string; reason: string }[];
}

/** Each object a new resourceVersion, as the apiserver gives every change of it. */
let version = 0;

function brain(status?: Status, rotate?: string): KubeObject {
  const object = structuredClone(titanObjects.services.find((s) => s.metadata.name === 'brain')!);
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: 'uid-brain',
      generation: 1,
      resourceVersion: String(++version),
      finalizers: [FINALIZER],
      ...(rotate && { annotations: { 'posture.dev/rotate-nkey': rotate } }),
    },
    ...(status && { status }),
  };
}

const lastStatus = (h: Harness) => h.statuses.at(-1) as Status;
const seedWrites = (h: Harness) => h.log.filter((l) => l === `vault kvWrite ${SEED}`).length;

/** The KV version each Vault Agent template of the applied Deployment pins, by file. */
function pins(h: Harness): Record<string, string | undefined> {
  const deployment = h.applied.get('Deployment brain') as
    { spec: { template: { metadata: { annotations: Record<string, string> } } } } | undefined;
  const annotations = deployment?.spec.template.metadata.annotations ?? {};
  const prefix = 'vault.hashicorp.com/agent-inject-template-';
  return Object.fromEntries(
    Object.entries(annotations)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, value]) => [key.slice(prefix.length), /\?version=(\d+)"/.exec(value)?.[1]]),
  );
}

/** The applied Deployment as the cache sees it once every pod runs its template. */
function rolled(h: Harness): KubeObject {
  const applied = structuredClone(h.applied.get('Deployment brain')!);
  return {
    ...applied,
    metadata: { ...applied.metadata, generation: 2 },
    status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  };
}

const rotating = (h: Harness) =>
  lastStatus(h).conditions?.find((c) => c.type === 'NkeyRotating')?.reason;

describe('NKey rotation through the reconcile', () => {
  it('should write one seed, authorize both keys, roll, then drop the old key', async () => {
    const vault = new FakeVault();
    const h = harness({ withNats: true, vault });
    await h.reconcile(brain());
    const first = lastStatus(h);
    assert.equal(first.nkeyVersion, 1);
    assert.equal(pins(h)['nats-nkey-seed'], '1');

    h.nats.state = 'pending';
    const asked = brain(first, 'r1');
    await h.reconcile(asked);
    await h.reconcile(asked); // the retry: status still says version 1, Vault has 2
    assert.equal(seedWrites(h), 2, 'the first seed and one rotation');
    assert.equal(pins(h)['nats-nkey-seed'], '1', 'pods stay on the old seed until NATS confirms');

    h.nats.state = 'confirmed';
    await h.reconcile(asked);
    const both = lastStatus(h);
    assert.equal(pins(h)['nats-nkey-seed'], '2');
    assert.equal(both.previousNatsUser, first.natsUser);
    assert.notEqual(both.natsUser, first.natsUser);
    assert.equal(both.nkeyRotationRequest, 'r1');
    assert.equal(rotating(h), 'NkeyRolling');

    const rolling = structuredClone(h.applied.get('Deployment brain')!);
    h.putChild(RESOURCES.deployment, { ...rolling, status: { updatedReplicas: 0 } });
    await h.reconcile(brain(both, 'r1'));
    assert.equal(lastStatus(h).previousNatsUser, first.natsUser, 'not before the pods rolled');
    h.putChild(RESOURCES.deployment, rolled(h));
    await h.reconcile(brain(both, 'r1'));
    assert.equal(lastStatus(h).previousNatsUser, undefined);
    assert.equal(lastStatus(h).natsUser, both.natsUser);
    assert.equal(rotating(h), 'NkeyStable');
    assert.equal(seedWrites(h), 2);
  });

  it('should carry on after a restart between the Vault write and the status write', async () => {
    const vault = new FakeVault();
    const before = harness({ withNats: true, vault });
    await before.reconcile(brain());
    const first = lastStatus(before);
    before.nats.state = 'pending';
    await before.reconcile(brain(first, 'r1'));
    assert.equal(seedWrites(before), 2);

    const after = harness({ withNats: true, vault });
    await after.reconcile(brain(first, 'r1'));
    const authorizing = lastStatus(after);
    assert.equal(authorizing.previousNatsUser, first.natsUser);
    assert.equal(authorizing.nkeyPinnedVersion, 1, 'NATS not yet confirmed to this operator');
    assert.equal(authorizing.nkeyRotationRequest, 'r1', 'the write answered the request');
    await after.reconcile(brain(authorizing, 'r1'));
    assert.equal(pins(after)['nats-nkey-seed'], '2');
    assert.equal(seedWrites(after), 0, 'the new operator wrote no seed');
  });
});

describe('Secret version pins through the reconcile', () => {
  it("should pin a secret to Vault's current version and roll when it changes, never otherwise", async () => {
    const vault = new FakeVault();
    await vault.kvWrite(DB, { url: 'postgres://one' });
    const h = harness({ vault });
    await h.reconcile(brain());
    assert.equal(pins(h)['db-url'], '1');
    assert.equal(pins(h)['hmac'], undefined, 'the key ring pins its own version');

    h.putChild(RESOURCES.deployment, h.applied.get('Deployment brain')!);
    const status = lastStatus(h);
    const applies = () => h.log.filter((l) => l === 'apply Deployment brain').length;
    const before = applies();
    await h.reconcile(brain(status));
    assert.equal(applies(), before, 'a resync with the same versions applies nothing');

    await vault.kvWrite(DB, { url: 'postgres://two' });
    await h.reconcile(brain(status));
    assert.equal(applies(), before + 1);
    assert.equal(pins(h)['db-url'], '2');
  });
});
