import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decideNkey,
  type NkeyDecision,
  type NkeyFields,
  type NkeySnapshot,
} from './nkey-rotation.ts';

/** Public keys by seed version: K(1) is version 1's. */
const K = (version: number) => `U${String(version).padStart(55, 'A')}`;
const vault = (version: number) => ({ version, publicKey: K(version) });

const stable: NkeyFields = {
  natsUser: K(1),
  nkeyVersion: 1,
  nkeyPinnedVersion: 1,
  nkeyRotationRequest: 'r1',
};
/** Version 2 written; nats-server asked for both keys; pods on version 1. */
const authorizing: NkeyFields = {
  natsUser: K(2),
  nkeyVersion: 2,
  previousNatsUser: K(1),
  nkeyPinnedVersion: 1,
  nkeyRotationRequest: 'r2',
};
/** nats-server accepts both; pods roll to version 2. */
const rolling: NkeyFields = { ...authorizing, nkeyPinnedVersion: 2 };
const both = { natsUser: K(2), previousNatsUser: K(1) };

function decide(over: Partial<NkeySnapshot>): NkeyDecision {
  return decideNkey({
    vault: vault(1),
    status: stable,
    rotateRequest: 'r1',
    rollout: { state: 'done' },
    loaded: { natsUser: K(1) },
    ...over,
  });
}

interface Case {
  name: string;
  input: Partial<NkeySnapshot>;
  phase: NkeyDecision['phase'];
  /** The check-and-set version of the seed written first, if one is. */
  write?: number;
  pin: number;
  fields: Partial<NkeyFields>;
  /** A rollout failure is reported, not stepped over. */
  failed?: boolean;
}

const cases: Case[] = [
  {
    name: 'should write the first seed as version 1 and pin it when Vault holds none',
    input: { vault: undefined, status: {}, rotateRequest: undefined, loaded: {} },
    phase: 'Stable',
    write: 0,
    pin: 1,
    fields: { nkeyPinnedVersion: 1, previousNatsUser: undefined },
  },
  {
    name: 'should answer a rotation request made before the first seed with that seed',
    input: { vault: undefined, status: {}, rotateRequest: 'early' },
    phase: 'Stable',
    write: 0,
    pin: 1,
    fields: { nkeyRotationRequest: 'early' },
  },
  {
    name: 'should take up the seed Vault holds when status names none (a new operator version)',
    input: { vault: vault(4), status: { natsUser: K(4) } },
    phase: 'Stable',
    pin: 4,
    fields: { natsUser: K(4), nkeyVersion: 4, nkeyPinnedVersion: 4 },
  },
  {
    name: 'should write nothing and keep the pin while no new rotation is asked for',
    input: {},
    phase: 'Stable',
    pin: 1,
    fields: stable,
  },
  {
    name: 'should ignore an empty annotation',
    input: { rotateRequest: '' },
    phase: 'Stable',
    pin: 1,
    fields: stable,
  },
  {
    name: 'should write version 2 with check-and-set on version 1 for a new annotation value, pods staying on version 1',
    input: { rotateRequest: 'r2' },
    phase: 'Authorizing',
    write: 1,
    pin: 1,
    fields: { previousNatsUser: K(1), nkeyPinnedVersion: 1, nkeyRotationRequest: 'r2' },
  },
  {
    name: 'should take up a seed written before a crash as a rotation that answered the request',
    input: { vault: vault(2), rotateRequest: 'r2' },
    phase: 'Authorizing',
    pin: 1,
    fields: authorizing,
  },
  {
    name: 'should go on to roll once nats-server runs both keys, after a crash that lost the status',
    input: { vault: vault(2), rotateRequest: 'r2', loaded: both },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should keep the pods on the old seed until nats-server confirmed both keys',
    input: { vault: vault(2), status: authorizing, rotateRequest: 'r2' },
    phase: 'Authorizing',
    pin: 1,
    fields: authorizing,
  },
  {
    name: 'should keep the pods on the old seed while nats-server confirmed only the new key',
    input: {
      vault: vault(2),
      status: authorizing,
      rotateRequest: 'r2',
      loaded: { natsUser: K(2) },
    },
    phase: 'Authorizing',
    pin: 1,
    fields: authorizing,
  },
  {
    name: 'should pin the new seed once nats-server confirmed both keys',
    input: { vault: vault(2), status: authorizing, rotateRequest: 'r2', loaded: both },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should move on without confirmation when the operator publishes no NATS config',
    input: { vault: vault(2), status: authorizing, rotateRequest: 'r2', loaded: 'unmanaged' },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should accept a newer seed that appears before the pods moved, keeping the key they hold',
    input: { vault: vault(3), status: authorizing, rotateRequest: 'r2', loaded: both },
    phase: 'Authorizing',
    pin: 1,
    fields: { natsUser: K(3), nkeyVersion: 3, previousNatsUser: K(1), nkeyPinnedVersion: 1 },
  },
  {
    name: 'should keep both keys while the Deployment still rolls',
    input: {
      vault: vault(2),
      status: rolling,
      rotateRequest: 'r2',
      loaded: both,
      rollout: { state: 'pending', detail: '1/2 updated, 1 available' },
    },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should keep both keys and report the failure when the rollout passed its deadline',
    input: {
      vault: vault(2),
      status: rolling,
      rotateRequest: 'r2',
      loaded: both,
      rollout: { state: 'failed', detail: 'rollout exceeded its progress deadline' },
    },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
    failed: true,
  },
  {
    name: 'should drop the previous key once every pod runs the new seed and nats-server runs it',
    input: { vault: vault(2), status: rolling, rotateRequest: 'r2', loaded: both },
    phase: 'Stable',
    pin: 2,
    fields: { ...rolling, previousNatsUser: undefined },
  },
  {
    name: 'should drop the previous key after a restart once nats-server confirmed the new key alone',
    input: { vault: vault(2), status: rolling, rotateRequest: 'r2', loaded: { natsUser: K(2) } },
    phase: 'Stable',
    pin: 2,
    fields: { previousNatsUser: undefined },
  },
  {
    name: 'should not drop the previous key after a restart before nats-server confirmed anything',
    input: { vault: vault(2), status: rolling, rotateRequest: 'r2', loaded: {} },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should keep both keys while its Deployment is not in the cache (pods may still run)',
    input: {
      vault: vault(2),
      status: rolling,
      rotateRequest: 'r2',
      loaded: both,
      rollout: { state: 'absent' },
    },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should finish the rollout before taking up a seed written during it',
    input: {
      vault: vault(3),
      status: rolling,
      rotateRequest: 'r2',
      loaded: both,
      rollout: { state: 'pending', detail: 'rolling' },
    },
    phase: 'Rolling',
    pin: 2,
    fields: rolling,
  },
  {
    name: 'should answer a request made during a rotation only once it is Stable',
    input: { vault: vault(2), status: rolling, rotateRequest: 'r3', loaded: both },
    phase: 'Stable',
    pin: 2,
    fields: { nkeyRotationRequest: 'r2' },
  },
  {
    name: 'should take up what Vault holds when it is older than status (the seed was recreated)',
    input: { vault: vault(1), status: rolling, rotateRequest: 'r2' },
    phase: 'Stable',
    pin: 1,
    fields: { natsUser: K(1), nkeyVersion: 1, previousNatsUser: undefined },
  },
];

describe('decideNkey', () => {
  for (const c of cases) {
    it(c.name, () => {
      const decision = decideNkey({
        vault: vault(1),
        status: stable,
        rollout: { state: 'done' },
        loaded: { natsUser: K(1) },
        ...c.input,
      });
      assert.equal(decision.phase, c.phase);
      assert.equal(decision.write?.cas, c.write);
      assert.equal(decision.pin, c.pin);
      for (const [field, value] of Object.entries(c.fields))
        assert.equal(decision.fields[field as keyof NkeyFields], value, field);
      assert.equal(decision.failed !== undefined, c.failed ?? false);
    });
  }

  it('should never name a seed, only public keys and versions', () => {
    const decision = decide({ rotateRequest: 'r2' });
    assert.doesNotMatch(JSON.stringify(decision), /"SU/);
  });
});

/**
 * A rotation driven to its end, with a crash (status lost) after each step: at every step the
 * key of the seed the pods are pinned to is one nats-server is asked to accept.
 */
describe('decideNkey over a whole rotation', () => {
  it('should keep every pinned seed accepted at every step, across lost status writes', () => {
    let seeds = 1;
    let status: NkeyFields = stable;
    let loaded: NkeySnapshot['loaded'] = { natsUser: K(1) };
    const trail: string[] = [];
    for (let step = 0; step < 12; step++) {
      const d = decide({ vault: vault(seeds), status, rotateRequest: 'r2', loaded });
      if (d.write) seeds = d.write.cas + 1;
      const fields = { ...d.fields, ...(d.write && { natsUser: K(seeds), nkeyVersion: seeds }) };
      const accepted = [fields.natsUser, fields.previousNatsUser];
      assert.ok(
        accepted.includes(K(d.pin)),
        `step ${step}: pinned ${d.pin}, accepts ${accepted.join(', ')}`,
      );
      trail.push(d.phase);
      // Every other step loses its status write (a crash after Vault), then nats-server loads.
      if (step % 2 === 0) status = fields;
      loaded = { natsUser: fields.natsUser, previousNatsUser: fields.previousNatsUser };
    }
    assert.equal(seeds, 2, 'one rotation, one write');
    assert.equal(trail.at(-1), 'Stable');
    assert.ok(trail.includes('Rolling'));
  });
});
