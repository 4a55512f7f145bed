import {
  ExchangeCredentialConditionType as Type,
  ExchangeKeyStatusSchema,
  type ExchangeCredential,
  type ExchangeKeyStatus,
} from '../../api/exchangecredential/schema.ts';
import { introspects, type KeyAnswer } from '../../exchanges/types.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { exchangeKeyPrefix } from '../../render/tenancy.ts';
import { condition, metaTime, type ConditionInput } from '../kit/conditions.ts';
import { vaultCondition, type VaultAnswer } from '../kit/vault.ts';
import { ExchangeCredentialReason as R } from './reasons.ts';

/** The exchange's last answer as status keeps it: lastVerifiedTime and exchangeKey. */
export interface StoredAnswer {
  time: string;
  key: ExchangeKeyStatus;
}

/** Reads the last answer back from status; anything malformed counts as never asked. */
export function storedAnswer(
  status: Record<string, unknown> | undefined,
): StoredAnswer | undefined {
  const key = ExchangeKeyStatusSchema.safeParse(status?.exchangeKey);
  const time = status?.lastVerifiedTime;
  if (!key.success || typeof time !== 'string' || Number.isNaN(Date.parse(time))) return undefined;
  return { time, key: key.data };
}

/** The later of two answers (status may lag one this process just got). */
export function newest(
  a: StoredAnswer | undefined,
  b: StoredAnswer | undefined,
): StoredAnswer | undefined {
  if (!a || !b) return a ?? b;
  return Date.parse(b.time) > Date.parse(a.time) ? b : a;
}

/** Whether this reconcile asks the exchange, and if not why. */
export type CheckPlan =
  | { ask: false; why: 'unsupported' | 'outside-folder' | 'no-key' }
  | { ask: false; why: 'answered'; nextAt: Date }
  | { ask: true; version: number };

export interface PlanInput {
  credential: ExchangeCredential;
  platform: Platform;
  /** The key's current KV version; undefined when Vault holds none (or did not answer). */
  keyVersion: number | undefined;
  previous: StoredAnswer | undefined;
  generation: number;
  now: Date;
  intervalMs: number;
}

/** Until when the last answer stands: only one about this key version and spec generation. */
function standsUntil(input: PlanInput, keyVersion: number): Date | undefined {
  const { previous, generation, intervalMs } = input;
  if (previous?.key.keyVersion !== keyVersion || previous.key.generation !== generation)
    return undefined;
  return new Date(Date.parse(previous.time) + intervalMs);
}

/**
 * Pure: ask when the exchange can be asked and the last answer is not about this key version
 * and spec generation, or is older than the interval. A refusal stands as long as an answer:
 * a new key, a spec change or the interval asks again, never a hot loop.
 */
export function planCheck(input: PlanInput): CheckPlan {
  const { credential, platform, keyVersion } = input;
  const { namespace = '' } = credential.metadata;
  if (!introspects(credential.spec.exchange)) return { ask: false, why: 'unsupported' };
  if (!`${credential.spec.vaultPath}/`.startsWith(exchangeKeyPrefix(platform, namespace)))
    return { ask: false, why: 'outside-folder' };
  if (keyVersion === undefined) return { ask: false, why: 'no-key' };
  const nextAt = standsUntil(input, keyVersion);
  if (nextAt && nextAt > input.now) return { ask: false, why: 'answered', nextAt };
  return { ask: true, version: keyVersion };
}

/** What asking gave: the exchange's answer, or why there is none. */
export type CheckResult =
  | { state: 'answered'; answer: KeyAnswer }
  | { state: 'unreachable'; message: string }
  | { state: 'vault'; vault: Exclude<VaultAnswer, { state: 'reachable' }> }
  | { state: 'unusable'; message: string };

/** The stored form of a fresh answer about key `version`. */
export function answerOf(
  answer: KeyAnswer,
  version: number,
  generation: number,
  now: Date,
): StoredAnswer {
  const base = { keyVersion: version, generation };
  const key: ExchangeKeyStatus =
    answer.outcome === 'accepted'
      ? { ...base, accepted: true, ...answer.restrictions }
      : { ...base, accepted: false, refusal: { reason: answer.reason, message: answer.detail } };
  return { time: metaTime(now), key };
}

const FIX: Record<string, string> = {
  SignatureInvalid:
    'the apiSecret in Vault does not sign for the apiKey: write the pair the exchange issued',
  KeyRefused:
    "the exchange does not accept the key from the operator: check it exists, has not expired, and is bound to the operator's egress IP",
  RequestRefused:
    'see the exchange message (a clock outside its window shows as a timestamp error)',
};

const verified = (status: 'True' | 'False' | 'Unknown', reason: string, message: string) =>
  condition(Type.ExchangeVerified, status, reason, message);

function notAsked(plan: CheckPlan, credential: ExchangeCredential, platform: Platform) {
  const { exchange } = credential.spec;
  if (plan.ask === false && plan.why === 'unsupported')
    return verified(
      'False',
      R.ExchangeUnsupported,
      `${exchange} has no key-introspection API posture calls: spec.permissions is declared, not checked at the exchange`,
    );
  if (plan.ask === false && plan.why === 'outside-folder') {
    const folder = exchangeKeyPrefix(platform, credential.metadata.namespace ?? '');
    return verified(
      'False',
      R.KeyOutsideExchangeFolder,
      `the operator reads exchange keys only under ${folder} (docs/adr/0044): move the key there to have ${exchange} asked about it`,
    );
  }
  if (plan.ask)
    return verified(
      'Unknown',
      R.NotVerified,
      `${exchange} has not been asked about key version ${plan.version} yet`,
    );
  return verified('Unknown', R.NotVerified, `no key in Vault to ask ${exchange} about`);
}

function fromAnswer(exchange: string, answer: StoredAnswer): ConditionInput {
  const { key, time } = answer;
  const about = `key version ${key.keyVersion} at ${time}`;
  if (key.accepted)
    return verified('True', R.ExchangeAnswered, `${exchange} answered for ${about}`);
  const reason = key.refusal?.reason ?? R.RequestRefused;
  return verified(
    'False',
    reason,
    `${exchange} refused ${about}: ${key.refusal?.message ?? ''} (fix: ${FIX[reason] ?? ''})`,
  );
}

export interface VerifyInput {
  credential: ExchangeCredential;
  platform: Platform;
  plan: CheckPlan;
  result: CheckResult | undefined;
  /** The answer about the current key (fresh or stored), if there is one. */
  answer: StoredAnswer | undefined;
}

/** ExchangeVerified from this reconcile's plan and result, or from the answer that stands. */
export function verifiedCondition(input: VerifyInput): ConditionInput {
  const { credential, plan, result, answer } = input;
  const { exchange } = credential.spec;
  if (result?.state === 'unreachable') {
    const last = answer ? `; its last answer (${answer.time}) stands for WithdrawEnabled` : '';
    return verified(
      'False',
      R.ExchangeUnreachable,
      `${result.message}; asking again with backoff${last}`,
    );
  }
  if (result?.state === 'vault') {
    const { reason, message } = vaultCondition(result.vault);
    return verified('False', reason, `reading the key to ask ${exchange}: ${message}`);
  }
  if (result?.state === 'unusable') return verified('False', R.KeyUnusable, result.message);
  if (answer) return fromAnswer(exchange, answer);
  return notAsked(plan, credential, input.platform);
}

/** ExchangeVerified False for one of these is a problem (Ready False); the rest are not checks. */
const PROBLEMS: ReadonlySet<string> = new Set([
  R.SignatureInvalid,
  R.KeyRefused,
  R.RequestRefused,
  R.ExchangeUnreachable,
  R.KeyUnusable,
  R.VaultRefused,
  R.VaultUnavailable,
]);

export function verificationFails(verified: ConditionInput): boolean {
  return verified.status === 'False' && PROBLEMS.has(verified.reason);
}

/** WithdrawEnabled from the exchange's accepted answer about the current key; Unknown without one. */
export function withdrawCondition(
  exchange: string,
  answer: StoredAnswer | undefined,
): ConditionInput {
  const type = Type.WithdrawEnabled;
  if (!answer?.key.accepted)
    return condition(
      type,
      'Unknown',
      R.NotVerified,
      `${exchange} has not said whether the current key may withdraw`,
    );
  if (answer.key.withdrawEnabled)
    return condition(
      type,
      'True',
      R.WithdrawPermitted,
      `${exchange} says the key may withdraw funds; the platform allows trade-only keys (spec.permissions.withdraw: false): create a trade-only key, write it to Vault, then delete this one at ${exchange}`,
    );
  return condition(type, 'False', R.TradeOnly, `${exchange} says the key cannot withdraw`);
}
