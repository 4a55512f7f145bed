import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HmacKeyRing, HmacKeyRingStatus } from '../../api/hmackeyring/schema.ts';
import {
  decideHmacKeyRing,
  type RingDecision,
  type RingSnapshot,
  type RingVault,
} from './decide.ts';
import type { RingData } from './ring-data.ts';
import type { MemberRollout } from '../kit/rollout.ts';

const NOW = new Date('2026-12-01T12:00:00Z');
const KEY = (n: number) => Buffer.alloc(32, n).toString('base64');
const ring = (status?: HmacKeyRingStatus, annotation?: string): HmacKeyRing => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'HmacKeyRing',
  metadata: {
    name: 'signals',
    namespace: 'titan',
    ...(annotation && { annotations: { 'posture.dev/rotate': annotation } }),
  },
  spec: {
    vaultPath: 'secret/titan/hmac/signals',
    rotationPeriod: '720h',
    gracePeriod: '24h',
    algorithm: 'sha256',
    listeners: ['execution'],
    signers: ['brain'],
  },
  ...(status && { status }),
});
const present = (version: number, data: Partial<RingData> = {}): RingVault => ({
  state: 'present',
  version,
  createdTime: '2026-11-01T00:00:00Z',
  data: { algorithm: 'sha256', keyId: `signals-${version}`, primary: KEY(version), ...data },
});
const stable: HmacKeyRingStatus = {
  phase: 'Stable',
  keyId: 'signals-1',
  listenerVersion: 1,
  signerVersion: 1,
  lastRotationTime: '2026-11-30T00:00:00Z',
  nextRotationTime: '2026-12-30T00:00:00Z',
};
const done = (service: string): MemberRollout => ({ service, state: 'done' });

function decide(over: Partial<RingSnapshot> & { status?: HmacKeyRingStatus; annotation?: string }) {
  const { status, annotation, ...rest } = over;
  return decideHmacKeyRing({
    ring: ring(status, annotation),
    vault: present(1),
    listeners: [done('execution')],
    signers: [done('brain')],
    ...(annotation && { rotateRequest: annotation }),
    now: NOW,
    freshKey: KEY(99),
    ...rest,
  });
}

const reasons = (d: RingDecision) =>
  Object.fromEntries(d.conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

describe('decideHmacKeyRing', () => {
  const cases: {
    name: string;
    input: Parameters<typeof decide>[0];
    phase: string | undefined;
    write?: { cas: number; keyId: string; secondaryKeyId?: string };
    conditions: Record<string, string>;
  }[] = [
    {
      name: 'should write the first key as version 1 when Vault has none',
      input: { vault: { state: 'missing' } },
      phase: 'Stable',
      write: { cas: 0, keyId: 'signals-1' },
      conditions: { Ready: 'True/Reconciled', Rotating: 'False/Stable' },
    },
    {
      name: 'should stay Stable and write nothing before the period elapses',
      input: { status: stable },
      phase: 'Stable',
      conditions: { Ready: 'True/Reconciled', Rotating: 'False/Stable' },
    },
    {
      name: 'should write version 2 holding the new key and the old one when the period elapsed',
      input: { status: { ...stable, lastRotationTime: '2026-10-01T00:00:00Z' } },
      phase: 'ListenersRolling',
      write: { cas: 1, keyId: 'signals-2', secondaryKeyId: 'signals-1' },
      conditions: { Ready: 'True/Reconciled', Rotating: 'True/ListenersRolling' },
    },
    {
      name: 'should rotate at once for a new posture.dev/rotate value',
      input: { status: stable, annotation: 'now-please' },
      phase: 'ListenersRolling',
      write: { cas: 1, keyId: 'signals-2', secondaryKeyId: 'signals-1' },
      conditions: { Rotating: 'True/ListenersRolling' },
    },
    {
      name: 'should not rotate again for a posture.dev/rotate value already answered',
      input: { status: { ...stable, rotationRequest: 'done' }, annotation: 'done' },
      phase: 'Stable',
      conditions: { Rotating: 'False/Stable' },
    },
    {
      name: 'should adopt a version written before a crash instead of writing another',
      input: {
        status: stable,
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
      },
      phase: 'ListenersRolling',
      conditions: { Rotating: 'True/ListenersRolling' },
    },
    {
      name: 'should hold the signers while a listener still rolls',
      input: {
        status: { ...stable, phase: 'ListenersRolling', listenerVersion: 2 },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
        listeners: [{ service: 'execution', state: 'pending', detail: '1/2 updated' }],
      },
      phase: 'ListenersRolling',
      conditions: { Ready: 'True/Reconciled', Degraded: 'False/NoProblems' },
    },
    {
      name: 'should stop and report Degraded when a listener rollout failed, never moving signers',
      input: {
        status: { ...stable, phase: 'ListenersRolling', listenerVersion: 2 },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
        listeners: [{ service: 'execution', state: 'failed', detail: 'deadline exceeded' }],
      },
      phase: 'ListenersRolling',
      conditions: { Ready: 'False/RolloutFailed', Degraded: 'True/RolloutFailed' },
    },
    {
      name: 'should move the signers once every listener rolled',
      input: {
        status: { ...stable, phase: 'ListenersRolling', listenerVersion: 2 },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
      },
      phase: 'SignersRolling',
      conditions: { Rotating: 'True/SignersRolling' },
    },
    {
      name: 'should start the grace period once every signer rolled',
      input: {
        status: { ...stable, phase: 'SignersRolling', listenerVersion: 2, signerVersion: 2 },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
      },
      phase: 'GracePeriod',
      conditions: { Rotating: 'True/GracePeriod' },
    },
    {
      name: 'should keep the old key until the grace period ends',
      input: {
        status: {
          ...stable,
          phase: 'GracePeriod',
          listenerVersion: 2,
          signerVersion: 2,
          graceEndTime: '2026-12-02T00:00:00Z',
        },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
      },
      phase: 'GracePeriod',
      conditions: { Rotating: 'True/GracePeriod' },
    },
    {
      name: 'should write version 3 with the new key alone when the grace period ended',
      input: {
        status: {
          ...stable,
          phase: 'GracePeriod',
          keyId: 'signals-2',
          listenerVersion: 2,
          signerVersion: 2,
          graceEndTime: '2026-12-01T00:00:00Z',
        },
        vault: present(2, { secondaryKeyId: 'signals-1', secondary: KEY(1) }),
      },
      phase: 'Stable',
      write: { cas: 2, keyId: 'signals-2' },
      conditions: { Rotating: 'False/Stable' },
    },
    {
      name: 'should touch nothing in Vault for a path the namespace does not own',
      input: { status: stable, forbidden: 'outside secret/titan/' },
      phase: 'Stable',
      conditions: { Ready: 'False/OwnsOnlyItsNamespace', Forbidden: 'True/OwnsOnlyItsNamespace' },
    },
    {
      name: 'should report Vault refusing the operator and write nothing',
      input: { status: stable, vault: { state: 'refused', message: '403' } },
      phase: 'Stable',
      conditions: { Ready: 'False/VaultRefused', VaultUnavailable: 'True/VaultRefused' },
    },
    {
      name: 'should overwrite nothing that is not a ring',
      input: { status: stable, vault: { state: 'corrupt', message: 'not a ring' } },
      phase: 'Stable',
      conditions: { Ready: 'False/RingDataInvalid', Degraded: 'True/RingDataInvalid' },
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const d = decide(c.input);
      assert.equal(d.fields.phase, c.phase);
      if (c.write) {
        assert.equal(d.write?.cas, c.write.cas);
        assert.equal(d.write?.data.keyId, c.write.keyId);
        assert.equal(d.write?.data.secondaryKeyId, c.write.secondaryKeyId);
      } else assert.equal(d.write, undefined);
      const got = reasons(d);
      for (const [type, want] of Object.entries(c.conditions)) assert.equal(got[type], want, type);
    });

  it('should never put a key in status, only key ids', () => {
    const d = decide({ status: stable, annotation: 'go' });
    assert.doesNotMatch(
      JSON.stringify(d.fields),
      new RegExp(KEY(99).slice(0, 20).replace(/[+/]/g, '.')),
    );
  });
});

describe('the requeue of a key ring', () => {
  it('should never ask to look again later than an hour, whatever the rotation period', () => {
    for (const vault of [{ state: 'missing' } as const, present(1)]) {
      const d = decideHmacKeyRing({
        ring: { ...ring(), spec: { ...ring().spec, rotationPeriod: '8760h' } },
        vault,
        listeners: [],
        signers: [],
        now: NOW,
        freshKey: KEY(7),
      });
      assert.ok(d.requeueAfterMs <= 3_600_000, `${d.requeueAfterMs} ms`);
    }
  });
});
