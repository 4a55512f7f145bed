import { ConditionType, type ConditionInput } from '../kit/conditions.ts';
import { refusalMessage, vaultCondition } from '../kit/vault.ts';
import type { VaultRequestError } from '../../vault/errors.ts';
import type { TradingServiceDecision } from './decide.ts';
import { TradingServiceReason } from './reasons.ts';

/** What apply found after decide: the decision's conditions rewritten to say why not Ready. */

/** The decision's conditions with `problem` set and Ready False for the same reason. */
export function failed(
  decision: TradingServiceDecision,
  problem: ConditionInput,
): TradingServiceDecision {
  const ready = { ...problem, type: ConditionType.Ready, status: 'False' as const };
  const conditions = decision.conditions.filter(
    (c) => c.type !== problem.type && c.type !== ConditionType.Ready,
  );
  return { ...decision, conditions: [...conditions, problem, ready] };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function natsFailed(
  error: unknown,
  decision: TradingServiceDecision,
): TradingServiceDecision {
  return failed(decision, {
    type: ConditionType.Degraded,
    status: 'True',
    reason: TradingServiceReason.NatsNotConfirmed,
    message: messageOf(error),
  });
}

/**
 * The config holding the user was written, but nothing can see nats-server load it (the
 * operator runs without --nats-monitor-url). Nothing is broken, so Degraded stays as decided;
 * Ready is False because Ready means the user works, and that is not known.
 */
export function natsUnconfirmed(
  decision: TradingServiceDecision,
  secret: string,
): TradingServiceDecision {
  const ready: ConditionInput = {
    type: ConditionType.Ready,
    status: 'False',
    reason: TradingServiceReason.NatsNotConfirmed,
    message:
      `the NATS user is in the Secret ${secret}, but nothing confirms nats-server loaded it: ` +
      "run the operator with --nats-monitor-url (nats-server's monitoring endpoint)",
  };
  const conditions = decision.conditions.filter((c) => c.type !== ConditionType.Ready);
  return { ...decision, conditions: [...conditions, ready] };
}

export function vaultDown(
  error: unknown,
  decision: TradingServiceDecision,
): TradingServiceDecision {
  return failed(decision, vaultCondition({ state: 'unavailable', message: messageOf(error) }));
}

/**
 * Vault answered and refused (4xx). A 403 means the operator's own policy lacks the call: the
 * message names it and the command that prints the policy the operator needs. Retrying soon
 * cannot help, so the reconcile looks again only slowly (docs/adr/0041).
 */
export function vaultRefused(
  error: VaultRequestError,
  decision: TradingServiceDecision,
): TradingServiceDecision {
  return failed(decision, vaultCondition({ state: 'refused', message: refusalMessage(error) }));
}
