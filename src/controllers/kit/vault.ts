import { VaultRequestError, VaultUnavailableError } from '../../vault/errors.ts';
import { ConditionType, condition, type ConditionInput } from './conditions.ts';
import { Reason } from './reasons.ts';

/** How Vault answered the reconcile's reads: it did, it could not be reached, or it refused. */
export type VaultAnswer =
  | { state: 'reachable' }
  | { state: 'unavailable'; message: string }
  | { state: 'refused'; message: string };

/**
 * Unavailable is retried with the queue's backoff. Refused (4xx) is not: its answer changes only
 * when someone changes a policy, so the controller looks again slowly (docs/adr/0041).
 */
export function vaultCondition(answer: VaultAnswer): ConditionInput {
  if (answer.state === 'reachable')
    return condition(
      ConditionType.VaultUnavailable,
      'False',
      Reason.VaultReachable,
      'Vault answered',
    );
  const reason = answer.state === 'refused' ? Reason.VaultRefused : Reason.VaultUnavailable;
  return condition(ConditionType.VaultUnavailable, 'True', reason, answer.message);
}

/** A refusal's message with what to do: a 403 means the operator's own policy lacks the call. */
export function refusalMessage(error: VaultRequestError): string {
  const fix =
    error.status === 403
      ? "the operator's Vault policy does not allow this call: compare it with `posture vault operator-policy`"
      : 'Vault refused the request: see the message';
  return `${error.message} (${fix})`;
}

/** What a Vault error says to a gather step: down (retried with backoff) or refused (slowly). */
export type VaultFailure = Exclude<VaultAnswer, { state: 'reachable' }>;

/** The failure a Vault error is, or undefined for any other error (which the caller rethrows). */
export function vaultFailure(error: unknown): VaultFailure | undefined {
  if (error instanceof VaultUnavailableError)
    return { state: 'unavailable', message: error.message };
  if (error instanceof VaultRequestError)
    return { state: 'refused', message: refusalMessage(error) };
  return undefined;
}
