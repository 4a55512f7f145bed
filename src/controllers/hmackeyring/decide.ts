import { durationSeconds } from '../../api/common/duration.ts';
import {
  HmacKeyRingConditionType,
  type HmacKeyRing,
  type HmacKeyRingStatus,
  type HmacPhase,
} from '../../api/hmackeyring/schema.ts';
import {
  ConditionType,
  condition,
  metaTime,
  readyCondition,
  type ConditionInput,
} from '../kit/conditions.ts';
import { specValid } from '../kit/invalid-spec.ts';
import { vaultCondition, type VaultAnswer } from '../kit/vault.ts';
import { HmacKeyRingReason as R } from './reasons.ts';
import { keyIdOf, type RingData } from './ring-data.ts';
import type { MemberRollout } from '../kit/rollout.ts';

/** What gather read of the ring in Vault (the operator writes it; members only read). */
export type RingVault =
  | { state: 'missing' }
  | { state: 'present'; version: number; createdTime: string; data: RingData }
  /** Something that is not a ring is stored there: posture writes nothing over it. */
  | { state: 'corrupt'; message: string }
  | Exclude<VaultAnswer, { state: 'reachable' }>;

export interface RingSnapshot {
  ring: HmacKeyRing;
  /** The posture.dev/rotate annotation, if any. */
  rotateRequest?: string;
  vault: RingVault;
  /** Each listener's rollout towards status.listenerVersion, each signer's towards signerVersion. */
  listeners: readonly MemberRollout[];
  signers: readonly MemberRollout[];
  /** Why the namespace may not own spec.vaultPath, if it may not. */
  forbidden?: string;
  now: Date;
  /** A new random key (base64, 32 bytes), used only when the decision writes a rotation. */
  freshKey: string;
}

/** Fields of the status this controller owns. */
export type RingFields = Omit<HmacKeyRingStatus, 'conditions' | 'observedGeneration'>;

export interface RingDecision {
  /** A new KV version to write first, only if Vault's current version is still `cas`. */
  write?: { data: RingData; cas: number };
  fields: RingFields;
  conditions: ConditionInput[];
  requeueAfterMs: number;
  /** Age of the primary key, for posture_hmac_key_age_seconds. */
  keyAgeSeconds?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** While members roll, Deployment watches re-trigger; this is only the safety net. */
const ROLLING_REQUEUE_MS = 30_000;

type Present = Extract<RingVault, { state: 'present' }>;

interface Step {
  write?: RingDecision['write'];
  fields: RingFields;
  /** Problem: a member's rollout failed (the ring stops where it is). */
  failed?: string;
  /** Who the step still waits for. */
  waiting?: string;
  requeueAfterMs: number;
}

/** The status fields this controller owns, without the kit's conditions and generation. */
function ownFields(status: HmacKeyRingStatus | undefined): RingFields {
  const fields: Partial<HmacKeyRingStatus> = { ...status };
  delete fields.conditions;
  delete fields.observedGeneration;
  return fields;
}

const iso = (ms: number) => metaTime(new Date(ms));
const periodMs = (ring: HmacKeyRing, field: 'rotationPeriod' | 'gracePeriod') =>
  durationSeconds(ring.spec[field]) * 1000;

/** Stable at `version`: everyone reads it; the next rotation is scheduled from `rotatedAt`. */
function stable(s: RingSnapshot, kv: Present, version: number, rotatedAt: string): RingFields {
  const { rotationRequest } = s.ring.status ?? {};
  return {
    phase: 'Stable',
    keyId: kv.data.keyId,
    listenerVersion: version,
    signerVersion: version,
    lastRotationTime: rotatedAt,
    nextRotationTime: iso(Date.parse(rotatedAt) + periodMs(s.ring, 'rotationPeriod')),
    ...(rotationRequest !== undefined && { rotationRequest }),
  };
}

function untilMs(s: RingSnapshot, at: string | undefined, cap = HOUR_MS): number {
  const left = at ? Date.parse(at) - s.now.getTime() : cap;
  return Math.max(1000, Math.min(cap, left));
}

/** The ring has no key yet (new, or its data was deleted): the first key, version 1. */
function firstKey(s: RingSnapshot): Step {
  const data: RingData = {
    algorithm: s.ring.spec.algorithm,
    keyId: keyIdOf(s.ring.metadata.name, 1),
    primary: s.freshKey,
  };
  const now = metaTime(s.now);
  const kv: Present = { state: 'present', version: 1, createdTime: now, data };
  const fields = stable(s, kv, 1, now);
  return { write: { data, cas: 0 }, fields, requeueAfterMs: untilMs(s, fields.nextRotationTime) };
}

/** A ring found in Vault with no status (the CR was recreated): take what Vault holds. */
function adopt(s: RingSnapshot, kv: Present): Step {
  const fields = stable(s, kv, kv.version, kv.createdTime);
  if (!kv.data.secondary) return { fields, requeueAfterMs: untilMs(s, fields.nextRotationTime) };
  const graceEndTime = iso(Date.parse(kv.createdTime) + periodMs(s.ring, 'gracePeriod'));
  return {
    fields: {
      ...fields,
      phase: 'GracePeriod',
      secondaryKeyId: kv.data.secondaryKeyId,
      graceEndTime,
    },
    requeueAfterMs: untilMs(s, graceEndTime),
  };
}

function rotationDue(s: RingSnapshot, fields: RingFields): boolean {
  const requested =
    s.rotateRequest !== undefined &&
    s.rotateRequest !== '' &&
    s.rotateRequest !== s.ring.status?.rotationRequest;
  const due = fields.nextRotationTime && Date.parse(fields.nextRotationTime) <= s.now.getTime();
  return requested || Boolean(due);
}

/** Version N+1 = {primary: new, secondary: old}; listeners move to it first. */
function rotate(s: RingSnapshot, kv: Present): Step {
  const version = kv.version + 1;
  const data: RingData = {
    algorithm: s.ring.spec.algorithm,
    keyId: keyIdOf(s.ring.metadata.name, version),
    primary: s.freshKey,
    secondaryKeyId: kv.data.keyId,
    secondary: kv.data.primary,
  };
  return {
    write: { data, cas: kv.version },
    fields: listenersRolling(s, { ...kv, version, data }, metaTime(s.now)),
    requeueAfterMs: ROLLING_REQUEUE_MS,
  };
}

function listenersRolling(s: RingSnapshot, kv: Present, rotatedAt: string): RingFields {
  const base = stable(s, kv, kv.version, rotatedAt);
  return {
    ...base,
    phase: 'ListenersRolling',
    secondaryKeyId: kv.data.secondaryKeyId,
    signerVersion: kv.version - 1,
    ...(s.rotateRequest && { rotationRequest: s.rotateRequest }),
  };
}

function fromStable(s: RingSnapshot, kv: Present, current: RingFields): Step {
  const at = current.lastRotationTime ?? kv.createdTime;
  const fields = stable(s, kv, current.listenerVersion ?? kv.version, at);
  // Vault is ahead of status: this operator (or a predecessor) wrote and stopped before status.
  if (kv.version > (current.listenerVersion ?? 0)) {
    if (kv.data.secondary)
      return {
        fields: listenersRolling(s, kv, metaTime(s.now)),
        requeueAfterMs: ROLLING_REQUEUE_MS,
      };
    return { fields: stable(s, kv, kv.version, at), requeueAfterMs: MINUTE_MS };
  }
  if (rotationDue(s, fields)) return rotate(s, kv);
  return { fields, requeueAfterMs: untilMs(s, fields.nextRotationTime) };
}

/** The members' rollouts: the first failure, else who is not done yet. */
function progress(members: readonly MemberRollout[]): { failed?: string; waiting?: string } {
  const failed = members.find((m) => m.state === 'failed');
  if (failed) return { failed: `${failed.service}: ${failed.detail ?? 'rollout failed'}` };
  const waiting = members.filter((m) => m.state === 'pending');
  if (waiting.length === 0) return {};
  return { waiting: waiting.map((m) => `${m.service} (${m.detail ?? 'rolling'})`).join(', ') };
}

function fromListenersRolling(s: RingSnapshot, current: RingFields): Step {
  const { failed, waiting } = progress(s.listeners);
  if (failed || waiting)
    return {
      fields: current,
      requeueAfterMs: ROLLING_REQUEUE_MS,
      ...(failed ? { failed } : { waiting: `listeners ${waiting}` }),
    };
  return {
    fields: { ...current, phase: 'SignersRolling', signerVersion: current.listenerVersion },
    requeueAfterMs: ROLLING_REQUEUE_MS,
  };
}

function fromSignersRolling(s: RingSnapshot, current: RingFields): Step {
  const { failed, waiting } = progress(s.signers);
  if (failed || waiting)
    return {
      fields: current,
      requeueAfterMs: ROLLING_REQUEUE_MS,
      ...(failed ? { failed } : { waiting: `signers ${waiting}` }),
    };
  const graceEndTime = iso(s.now.getTime() + periodMs(s.ring, 'gracePeriod'));
  return {
    fields: { ...current, phase: 'GracePeriod', graceEndTime },
    requeueAfterMs: untilMs(s, graceEndTime),
  };
}

/** After the grace period, version N+2 = {primary} alone, and everyone moves to it at once. */
function fromGracePeriod(s: RingSnapshot, kv: Present, current: RingFields): Step {
  const at = current.lastRotationTime ?? kv.createdTime;
  if (kv.version > (current.listenerVersion ?? 0) && !kv.data.secondary)
    return { fields: stable(s, kv, kv.version, at), requeueAfterMs: MINUTE_MS };
  if (current.graceEndTime && Date.parse(current.graceEndTime) > s.now.getTime())
    return { fields: current, requeueAfterMs: untilMs(s, current.graceEndTime) };
  const data: RingData = {
    algorithm: kv.data.algorithm,
    keyId: kv.data.keyId,
    primary: kv.data.primary,
  };
  const version = kv.version + 1;
  return {
    write: { data, cas: kv.version },
    fields: stable(s, { ...kv, version, data }, version, at),
    requeueAfterMs: MINUTE_MS,
  };
}

const STEPS: Record<HmacPhase, (s: RingSnapshot, kv: Present, current: RingFields) => Step> = {
  Stable: fromStable,
  ListenersRolling: (s, _kv, current) => fromListenersRolling(s, current),
  SignersRolling: (s, _kv, current) => fromSignersRolling(s, current),
  GracePeriod: fromGracePeriod,
  // Written by no posture version; read as Stable so the ring moves on.
  Degraded: fromStable,
};

function step(s: RingSnapshot): Step {
  const kv = s.vault;
  if (kv.state === 'missing') return firstKey(s);
  if (kv.state !== 'present') throw new Error('step needs the ring read from Vault');
  const current = ownFields(s.ring.status);
  if (!current.phase) return adopt(s, kv);
  return STEPS[current.phase](s, kv, current);
}

function rotatingCondition(step: Step): ConditionInput {
  const phase = step.fields.phase ?? 'Stable';
  if (phase === 'Stable')
    return condition(
      HmacKeyRingConditionType.Rotating,
      'False',
      R.Stable,
      `next rotation at ${step.fields.nextRotationTime ?? 'unknown'}`,
    );
  const message = step.waiting ? `waiting for ${step.waiting}` : `${phase} since this reconcile`;
  return condition(HmacKeyRingConditionType.Rotating, 'True', R[phase as keyof typeof R], message);
}

function degradedCondition(failed: string | undefined): ConditionInput {
  if (!failed) return condition(ConditionType.Degraded, 'False', R.NoProblems, 'none');
  return condition(
    ConditionType.Degraded,
    'True',
    R.RolloutFailed,
    `${failed}: the rotation stopped here and will not move signers until it is fixed`,
  );
}

/** Refused or unreachable Vault, or a path the namespace does not own: nothing moves. */
function blocked(s: RingSnapshot): RingDecision | undefined {
  const fields = ownFields(s.ring.status);
  if (s.forbidden) {
    const forbidden = condition(
      ConditionType.Forbidden,
      'True',
      R.OwnsOnlyItsNamespace,
      `spec.vaultPath: ${s.forbidden}`,
    );
    return {
      fields,
      conditions: [specValid, forbidden, readyCondition([forbidden])],
      requeueAfterMs: HOUR_MS,
    };
  }
  if (s.vault.state === 'missing' || s.vault.state === 'present') return undefined;
  if (s.vault.state === 'corrupt') {
    const degraded = condition(ConditionType.Degraded, 'True', R.RingDataInvalid, s.vault.message);
    return {
      fields,
      conditions: [specValid, degraded, readyCondition([degraded])],
      requeueAfterMs: HOUR_MS,
    };
  }
  const vault = vaultCondition(s.vault);
  const requeueAfterMs = s.vault.state === 'refused' ? 5 * MINUTE_MS : MINUTE_MS;
  return { fields, conditions: [specValid, vault, readyCondition([vault])], requeueAfterMs };
}

/**
 * Pure: the next step of the rotation state machine (docs/adr/0046-hmac-key-ring-rotation.md). At every
 * instant every key a signer may sign with is a key every listener accepts: listeners move to a
 * version holding the new and the old key before any signer moves, a failed rollout stops the
 * ring where it is, and the old key goes only after the grace period. Vault is written before
 * status; a version found ahead of status is adopted, so a restart anywhere resumes.
 */
export function decideHmacKeyRing(s: RingSnapshot): RingDecision {
  const stop = blocked(s);
  if (stop) return stop;
  const next = step(s);
  const forbidden = condition(ConditionType.Forbidden, 'False', R.OwnsOnlyItsNamespace, 'none');
  const problems = [
    forbidden,
    vaultCondition({ state: 'reachable' }),
    degradedCondition(next.failed),
  ];
  const rotated = next.fields.lastRotationTime;
  return {
    ...(next.write && { write: next.write }),
    fields: next.fields,
    conditions: [
      specValid,
      ...problems,
      rotatingCondition(next),
      readyCondition(problems, 'key ring in place'),
    ],
    requeueAfterMs: next.requeueAfterMs,
    ...(rotated && {
      keyAgeSeconds: Math.max(0, Math.floor((s.now.getTime() - Date.parse(rotated)) / 1000)),
    }),
  };
}
