/**
 * A small simulated world for the rotation state machine: Vault KV versions, the ring's status,
 * and each member's Deployment with its pods, each pod holding the ring version it rendered when
 * it started. Actions interleave the operator (which may crash between its Vault write and its
 * status write), the TradingService controller pinning templates, rollouts that progress or
 * fail, the clock, and rotation requests. `violations()` checks the one invariant that matters:
 * every key a signer pod may sign with is accepted by every listener pod.
 */
import type { HmacKeyRing, HmacKeyRingStatus } from '../../../api/hmackeyring/schema.ts';
import type { KubeObject } from '../../../operator/kube/types.ts';
import { nextStatus } from '../../kit/conditions.ts';
import { decideHmacKeyRing, type RingVault } from '../decide.ts';
import { keyIdOf, type RingData } from '../ring-data.ts';
import { rolloutState } from '../../kit/rollout.ts';

const PATH = 'secret/ns/hmac/ring';
const DATA_PATH = 'secret/data/ns/hmac/ring';
const REPLICAS = 2;

interface Member {
  name: string;
  role: 'listener' | 'signer';
  /** The version the TradingService controller pinned in the pod template. */
  template: number;
  pods: number[];
  stuck: boolean;
}

export type Action =
  | { kind: 'reconcile' }
  | { kind: 'crashAfterWrite' }
  | { kind: 'pin'; member: number }
  | { kind: 'rollPod'; member: number }
  | { kind: 'fail'; member: number }
  | { kind: 'heal'; member: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'request' };

let keys = 0;
const freshKey = () => Buffer.alloc(32, ++keys % 256).toString('base64');

export class World {
  readonly versions: RingData[] = [];
  status: HmacKeyRingStatus | undefined;
  now = Date.parse('2026-12-01T00:00:00Z');
  annotation: string | undefined;
  readonly members: Member[];
  readonly spec = { rotationPeriod: '720h', gracePeriod: '24h' };

  constructor(listeners: number, signers: number) {
    const member = (role: Member['role']) => (_: unknown, i: number) => ({
      name: `${role}-${i}`,
      role,
      template: 1,
      pods: Array<number>(REPLICAS).fill(1),
      stuck: false,
    });
    this.members = [
      ...Array.from({ length: listeners }, member('listener')),
      ...Array.from({ length: signers }, member('signer')),
    ];
    // The ring's first reconcile: version 1 exists and every pod started on it.
    this.act({ kind: 'reconcile' });
  }

  ring(): HmacKeyRing {
    return {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'HmacKeyRing',
      metadata: {
        name: 'ring',
        namespace: 'ns',
        ...(this.annotation && { annotations: { 'posture.dev/rotate': this.annotation } }),
      },
      spec: {
        vaultPath: PATH,
        ...this.spec,
        algorithm: 'sha256',
        listeners: this.members.filter((m) => m.role === 'listener').map((m) => m.name),
        signers: this.members.filter((m) => m.role === 'signer').map((m) => m.name),
      },
      ...(this.status && { status: this.status }),
    };
  }

  deployment(m: Member): KubeObject {
    const updated = m.pods.filter((v) => v === m.template).length;
    return {
      metadata: { name: m.name, namespace: 'ns', generation: 1 },
      spec: {
        replicas: REPLICAS,
        template: {
          metadata: {
            annotations: {
              'vault.hashicorp.com/agent-inject-template-hmac': `{{- with secret "${DATA_PATH}?version=${m.template}" -}}`,
            },
          },
        },
      },
      status: {
        observedGeneration: 1,
        replicas: m.pods.length,
        updatedReplicas: updated,
        availableReplicas: m.stuck ? m.pods.length - updated : m.pods.length,
        ...(m.stuck && {
          conditions: [
            { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' },
          ],
        }),
      },
    };
  }

  vault(): RingVault {
    const data = this.versions.at(-1);
    if (!data) return { state: 'missing' };
    return {
      state: 'present',
      version: this.versions.length,
      createdTime: new Date(this.now).toISOString(),
      data,
    };
  }

  reconcile(crashAfterWrite: boolean): void {
    const ring = this.ring();
    const rollouts = (role: Member['role'], version: number | undefined) =>
      version === undefined
        ? []
        : this.members
            .filter((m) => m.role === role)
            .map((m) => rolloutState(m.name, this.deployment(m), { dataPath: DATA_PATH, version }));
    const decision = decideHmacKeyRing({
      ring,
      vault: this.vault(),
      listeners: rollouts('listener', this.status?.listenerVersion),
      signers: rollouts('signer', this.status?.signerVersion),
      ...(this.annotation && { rotateRequest: this.annotation }),
      now: new Date(this.now),
      freshKey: freshKey(),
    });
    if (decision.write) {
      if (decision.write.cas !== this.versions.length) throw new Error('check-and-set refused');
      this.versions.push(decision.write.data);
      if (crashAfterWrite) return;
    }
    const fields = Object.fromEntries(
      Object.entries(decision.fields).filter(([, v]) => v !== undefined),
    );
    const next = nextStatus(
      {},
      { generation: 1, conditions: decision.conditions, fields },
      new Date(this.now),
    );
    this.status = next;
  }

  /** What the TradingService controller would pin: the ring's status version for the role. */
  pinned(m: Member): number | undefined {
    return m.role === 'listener' ? this.status?.listenerVersion : this.status?.signerVersion;
  }

  act(action: Action): void {
    if ('member' in action)
      return this.actOn(this.members[action.member % this.members.length]!, action);
    if (action.kind === 'advance') this.now += action.ms;
    else if (action.kind === 'request') this.annotation = `r${this.now}`;
    else this.reconcile(action.kind === 'crashAfterWrite');
  }

  actOn(m: Member, action: Extract<Action, { member: number }>): void {
    if (action.kind === 'pin') m.template = this.pinned(m) ?? m.template;
    else if (action.kind === 'rollPod') this.rollPod(m);
    else m.stuck = action.kind === 'fail';
  }

  /** maxSurge 1: a new pod on the template starts, then an old one goes; a stuck rollout starts none. */
  rollPod(m: Member): void {
    if (m.stuck) return;
    const old = m.pods.findIndex((v) => v !== m.template);
    if (old === -1) return;
    m.pods.push(m.template);
    m.pods.splice(old, 1);
  }

  keysOf(version: number): string[] {
    const data = this.versions[version - 1];
    if (!data) return [];
    return [data.keyId, ...(data.secondaryKeyId ? [data.secondaryKeyId] : [])];
  }

  /** Pairs (signer pod key, listener pod) where the listener would reject the signature. */
  violations(): string[] {
    const pods = (role: Member['role']) =>
      this.members
        .filter((m) => m.role === role)
        .flatMap((m) => m.pods.map((version) => ({ name: m.name, version })));
    const listeners = pods('listener');
    return pods('signer').flatMap((signer) => {
      const signs = this.versions[signer.version - 1]?.keyId ?? keyIdOf('ring', signer.version);
      return listeners
        .filter((l) => !this.keysOf(l.version).includes(signs))
        .map(
          (l) =>
            `${signer.name}@v${signer.version} signs ${signs}; ${l.name}@v${l.version} accepts ${this.keysOf(l.version).join(',')}`,
        );
    });
  }

  /** The rotation finished: one key, every pod on the current version. */
  settled(): boolean {
    const current = this.versions.length;
    return (
      this.status?.phase === 'Stable' &&
      this.members.every((m) => m.pods.every((v) => v === current))
    );
  }
}
