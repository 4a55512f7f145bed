import { durationSeconds } from '../../api/common/duration.ts';
import {
  apiHostsOf,
  ExchangeCredentialConditionType,
  type ExchangeCredential,
} from '../../api/exchangecredential/schema.ts';
import { missingEgressIps } from '../../render/exchange.ts';
import type { Platform } from '../../render/platform.ts';
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

/** What gather saw of the key in Vault: its KV metadata, nothing of the key itself. */
export type KeyObservation =
  | { state: 'present'; createdTime: string }
  | { state: 'missing' }
  | { state: 'unavailable'; message: string }
  /** Vault answered and refused (403: the operator's policy lacks the read): no hot retry. */
  | { state: 'refused'; message: string };

export interface ExchangeCredentialSnapshot {
  credential: ExchangeCredential;
  platform: Platform;
  key: KeyObservation;
  now: Date;
}

export interface ExchangeCredentialDecision {
  conditions: ConditionInput[];
  fields: { keyCreatedTime?: string; rotationDueTime?: string; apiHosts: string[] };
  /** For the key-age gauge; undefined when the key's age is unknown. */
  keyAgeSeconds?: number;
  /** Look again when rotation falls due, and at least hourly (a key may be replaced in Vault). */
  requeueAfterMs: number;
}

const HOUR_MS = 3_600_000;

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

function whitelistCondition(credential: ExchangeCredential, platform: Platform): ConditionInput {
  const missing = missingEgressIps(credential.spec, platform);
  if (missing.length === 0) {
    return condition(
      ExchangeCredentialConditionType.WhitelistMismatch,
      'False',
      ExchangeReason.EgressIpsWhitelisted,
      'every egress gateway IP is in ipWhitelist',
    );
  }
  return condition(
    ExchangeCredentialConditionType.WhitelistMismatch,
    'True',
    ExchangeReason.EgressIpNotWhitelisted,
    `egress IPs not in ipWhitelist: ${missing.join(', ')} (fix: add them as /32 or /128, and at the exchange)`,
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

/**
 * Pure: the status an ExchangeCredential should have, from the credential, the platform, the
 * key's Vault metadata and the time. Ready is False while any problem condition is True.
 */
export function decideExchangeCredential(
  snapshot: ExchangeCredentialSnapshot,
): ExchangeCredentialDecision {
  const { credential, platform, key, now } = snapshot;
  const maxSeconds = durationSeconds(credential.spec.maxKeyAge);
  const created = key.state === 'present' ? new Date(key.createdTime) : undefined;
  const ageSeconds = created ? Math.max(0, (now.getTime() - created.getTime()) / 1000) : undefined;
  const due = created ? new Date(created.getTime() + maxSeconds * 1000) : undefined;
  const problems = [
    tenancyCondition(credential, platform),
    vaultCondition(key),
    keyCondition(credential, key),
    rotationCondition(ageSeconds, maxSeconds, due?.toISOString()),
    whitelistCondition(credential, platform),
  ];
  const untilDue = due ? due.getTime() - now.getTime() : HOUR_MS;
  return {
    conditions: [...problems, readyCondition(problems, 'key present, fresh and whitelisted')],
    fields: {
      ...(created && { keyCreatedTime: metaTime(created) }),
      ...(due && { rotationDueTime: metaTime(due) }),
      apiHosts: [...apiHostsOf(credential.spec)],
    },
    ...(ageSeconds !== undefined && { keyAgeSeconds: Math.floor(ageSeconds) }),
    requeueAfterMs: untilDue > 0 ? Math.min(untilDue, HOUR_MS) : HOUR_MS,
  };
}
