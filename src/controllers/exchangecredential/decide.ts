import { durationSeconds } from '../../api/common/duration.ts';
import {
  apiHostsOf,
  ExchangeCredentialConditionType,
  type ExchangeCredential,
} from '../../api/exchangecredential/schema.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { pathRefusal } from '../../render/tenancy.ts';
import {
  ConditionType,
  condition,
  metaTime,
  readyCondition,
  type ConditionInput,
} from '../kit/conditions.ts';
import { vaultCondition as vaultAnswerCondition } from '../kit/vault.ts';
import { ExchangeCredentialReason as ExchangeReason } from './reasons.ts';
import {
  answerOf,
  planCheck,
  verificationFails,
  verifiedCondition,
  withdrawCondition,
  type CheckPlan,
  type CheckResult,
  type StoredAnswer,
} from './verify.ts';
import { whitelistCondition } from './whitelist.ts';

/** What gather saw of the key in Vault: its KV metadata, nothing of the key itself. */
export type KeyObservation =
  | { state: 'present'; createdTime: string; version: number }
  | { state: 'missing' }
  | { state: 'unavailable'; message: string }
  /** Vault answered and refused (403: the operator's policy lacks the read): no hot retry. */
  | { state: 'refused'; message: string };

/** The daily question to the exchange (docs/adr/0044): what status holds and what asking gave. */
export interface ExchangeCheck {
  /** The last answer, read back from status. */
  previous?: StoredAnswer;
  /** This reconcile's check, when planCheck said to ask. */
  result?: CheckResult;
  /** @default DAY_MS */
  intervalMs?: number;
}

export interface ExchangeCredentialSnapshot {
  credential: ExchangeCredential;
  platform: Platform;
  key: KeyObservation;
  now: Date;
  exchange?: ExchangeCheck;
}

export interface ExchangeCredentialDecision {
  conditions: ConditionInput[];
  fields: {
    keyCreatedTime?: string;
    rotationDueTime?: string;
    apiHosts: string[];
    /** The exchange's answer about the current key, this reconcile's or the standing one. */
    lastVerifiedTime?: string;
    exchangeKey?: StoredAnswer['key'];
  };
  /** For the key-age gauge; undefined when the key's age is unknown. */
  keyAgeSeconds?: number;
  /** For the withdraw gauge: 1 or 0 per the exchange's answer; undefined when it has none. */
  withdrawEnabled?: 0 | 1;
  /**
   * Look again when rotation falls due or the exchange is next asked, and at least hourly (a
   * key may be replaced in Vault).
   */
  requeueAfterMs: number;
}

const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The key's metadata was read (present or missing): Vault answered. */
function vaultCondition(key: KeyObservation): ConditionInput {
  return vaultAnswerCondition(
    key.state === 'unavailable' || key.state === 'refused' ? key : { state: 'reachable' },
  );
}

function keyCondition(credential: ExchangeCredential, key: KeyObservation): ConditionInput {
  if (key.state !== 'missing') {
    return condition(
      ConditionType.Degraded,
      'False',
      ExchangeReason.KeyPresent,
      'the key exists in Vault',
    );
  }
  // Fail closed: consumers cannot start without it, and posture never invents one.
  return condition(
    ConditionType.Degraded,
    'True',
    ExchangeReason.KeyMissing,
    `no key at ${credential.spec.vaultPath}: write the trade-only key there`,
  );
}

function rotationCondition(
  ageSeconds: number | undefined,
  maxSeconds: number,
  due: string | undefined,
) {
  if (ageSeconds === undefined || ageSeconds < maxSeconds) {
    const message = due ? `rotation due at ${due}` : 'key age unknown';
    return condition(
      ExchangeCredentialConditionType.RotationDue,
      'False',
      ExchangeReason.KeyFresh,
      message,
    );
  }
  return condition(
    ExchangeCredentialConditionType.RotationDue,
    'True',
    ExchangeReason.KeyTooOld,
    `the key is ${Math.floor(ageSeconds / 3600)}h old, more than maxKeyAge (${Math.floor(maxSeconds / 3600)}h): create a new trade-only key and write it to Vault`,
  );
}

/** A credential's key must lie under its namespace's own prefix; its consumers get nothing else. */
function tenancyCondition(credential: ExchangeCredential, platform: Platform): ConditionInput {
  const { namespace = '' } = credential.metadata;
  const refusal = pathRefusal(platform, namespace, credential.spec.vaultPath, 'owned');
  if (refusal)
    return condition(
      ConditionType.Forbidden,
      'True',
      ExchangeReason.OwnsOnlyItsNamespace,
      `spec.vaultPath: ${refusal}; no consumer is granted it`,
    );
  return condition(ConditionType.Forbidden, 'False', ExchangeReason.OwnsOnlyItsNamespace, 'none');
}

interface ExchangeStatus {
  verified: ConditionInput;
  withdraw: ConditionInput;
  /** The answer about the current key: this reconcile's, or the one status holds. */
  answer: StoredAnswer | undefined;
  /** This reconcile's answer, to store. */
  fresh: StoredAnswer | undefined;
  nextCheckAt: Date | undefined;
}

/**
 * Whether to ask the exchange now, from what gather and decide both see: the reconcile's ask
 * and decide's status come from this one call, so they cannot disagree.
 */
export function planFor(input: {
  credential: ExchangeCredentialSnapshot['credential'];
  platform: Platform;
  key: KeyObservation;
  now: Date;
  previous: ExchangeCheck['previous'];
  intervalMs: number;
}) {
  const { credential, platform, key, now, previous, intervalMs } = input;
  const generation = credential.metadata.generation ?? 0;
  const keyVersion = key.state === 'present' ? key.version : undefined;
  const plan = planCheck({
    credential,
    platform,
    keyVersion,
    previous,
    generation,
    now,
    intervalMs,
  });
  return { plan, generation, keyVersion };
}

/** The same pure plan gather made, from the same inputs. */
function planOf(snapshot: ExchangeCredentialSnapshot) {
  const { exchange = {} } = snapshot;
  const intervalMs = exchange.intervalMs ?? DAY_MS;
  const { previous } = exchange;
  const { plan, generation, keyVersion } = planFor({ ...snapshot, previous, intervalMs });
  // An answer about another key version says nothing about this one.
  const standing = previous?.key.keyVersion === keyVersion ? previous : undefined;
  return { plan, generation, intervalMs, standing };
}

/** The exchange's part of the status: its answer (fresh or standing) and the conditions. */
function exchangeStatus(snapshot: ExchangeCredentialSnapshot): ExchangeStatus {
  const { credential, platform, now, exchange = {} } = snapshot;
  const { plan, generation, intervalMs, standing } = planOf(snapshot);
  const { result } = exchange;
  const fresh =
    plan.ask && result?.state === 'answered'
      ? answerOf(result.answer, plan.version, generation, now)
      : undefined;
  const answer = fresh ?? standing;
  return {
    verified: verifiedCondition({ credential, platform, plan, result, answer }),
    withdraw: withdrawCondition(credential.spec.exchange, answer),
    answer,
    fresh,
    nextCheckAt: fresh ? new Date(now.getTime() + intervalMs) : nextAsk(plan),
  };
}

function nextAsk(plan: CheckPlan): Date | undefined {
  return !plan.ask && plan.why === 'answered' ? plan.nextAt : undefined;
}

function withdrawGauge(answer: StoredAnswer | undefined): 0 | 1 | undefined {
  if (!answer?.key.accepted) return undefined;
  return answer.key.withdrawEnabled ? 1 : 0;
}

/** The soonest of: rotation due, the next question to the exchange, an hour. */
function requeueAfter(now: Date, ...at: (Date | undefined)[]): number {
  const waits = at.map((t) => (t ? t.getTime() - now.getTime() : HOUR_MS)).filter((ms) => ms > 0);
  return Math.min(HOUR_MS, ...waits);
}

/** The key's age and rotation due time, from its creation time in Vault. */
function keyTimes(key: KeyObservation, maxSeconds: number, now: Date) {
  if (key.state !== 'present') return { created: undefined, ageSeconds: undefined, due: undefined };
  const created = new Date(key.createdTime);
  const ageSeconds = Math.max(0, (now.getTime() - created.getTime()) / 1000);
  return { created, ageSeconds, due: new Date(created.getTime() + maxSeconds * 1000) };
}

/** The answer about the current key goes to status (again: a standing one is a no-op). */
function fieldsOf(
  credential: ExchangeCredential,
  times: ReturnType<typeof keyTimes>,
  answer: StoredAnswer | undefined,
): ExchangeCredentialDecision['fields'] {
  return {
    ...(times.created && { keyCreatedTime: metaTime(times.created) }),
    ...(times.due && { rotationDueTime: metaTime(times.due) }),
    apiHosts: [...apiHostsOf(credential.spec)],
    ...(answer && { lastVerifiedTime: answer.time, exchangeKey: answer.key }),
  };
}

/**
 * Pure: the status an ExchangeCredential should have, from the credential, the platform, the
 * key's Vault metadata, the exchange's answer and the time. Ready is False while any problem
 * condition is True, the exchange says the key may withdraw, or the exchange could not verify a
 * key it can be asked about.
 */
export function decideExchangeCredential(
  snapshot: ExchangeCredentialSnapshot,
): ExchangeCredentialDecision {
  const { credential, platform, key, now } = snapshot;
  const maxSeconds = durationSeconds(credential.spec.maxKeyAge);
  const times = keyTimes(key, maxSeconds, now);
  const exchange = exchangeStatus(snapshot);
  const accepted = exchange.answer?.key.accepted ? exchange.answer.key : undefined;
  const problems = [
    tenancyCondition(credential, platform),
    vaultCondition(key),
    keyCondition(credential, key),
    exchange.withdraw,
    rotationCondition(times.ageSeconds, maxSeconds, times.due?.toISOString()),
    whitelistCondition(credential, platform, accepted),
  ];
  // ExchangeVerified is True when good: a failed check counts as a problem under its reason.
  const failed = verificationFails(exchange.verified)
    ? [{ ...exchange.verified, status: 'True' as const }]
    : [];
  const withdraw = withdrawGauge(exchange.answer);
  const ready = readyCondition(
    [...problems, ...failed],
    'key present, fresh, whitelisted and not refuted by the exchange',
  );
  return {
    conditions: [...problems, exchange.verified, ready],
    fields: fieldsOf(credential, times, exchange.answer),
    ...(times.ageSeconds !== undefined && { keyAgeSeconds: Math.floor(times.ageSeconds) }),
    ...(withdraw !== undefined && { withdrawEnabled: withdraw }),
    requeueAfterMs: requeueAfter(now, times.due, exchange.nextCheckAt),
  };
}
