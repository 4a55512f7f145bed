import type { TradingService } from '../../api/index.ts';
import type { Platform } from '../../api/platform/settings.ts';
import {
  ROTATE_NKEY_ANNOTATION,
  TradingServiceConditionType,
} from '../../api/tradingservice/schema.ts';
import { kvDataPath } from '../../render/build-model.ts';
import { condition, type ConditionInput } from '../kit/conditions.ts';
import { rolloutState, type MemberRollout } from '../kit/rollout.ts';
import type { TradingServiceSnapshot } from './decide.ts';
import { decideNkey, type NkeyDecision } from './nkey-rotation.ts';
import { TradingServiceReason } from './reasons.ts';
import { nkeyPath } from './vault.ts';

/** The NKey rotation's step within a TradingService decision (docs/adr/0045). */

/**
 * The KV data path of the service's NKey seed, as its Vault Agent template names it; with
 * `nats.auth: jwt` its creds are in the same entry (docs/adr/0071).
 */
export const seedPath = (platform: Platform, service: TradingService) =>
  kvDataPath(
    nkeyPath(platform, {
      namespace: service.metadata.namespace ?? '',
      name: service.metadata.name,
    }),
  );

/** The NKey rotation's step; undefined while Vault cannot be read (nothing is applied then). */
export function nkeyStep(
  s: TradingServiceSnapshot,
  service: TradingService,
): NkeyDecision | undefined {
  if (s.vault.state !== 'reachable') return undefined;
  const status = service.status ?? {};
  const rotateRequest = service.metadata.annotations?.[ROTATE_NKEY_ANNOTATION];
  return decideNkey({
    vault: s.vault.nkey,
    status,
    ...(rotateRequest !== undefined && { rotateRequest }),
    rollout: nkeyRollout(s, service),
    loaded: s.natsLoaded ?? 'unmanaged',
  });
}

/**
 * How far the pods moved to the new key: the seed version they pin, or with `nats.auth: jwt`
 * the creds version (pods read the creds, not the seed), once the creds are the new key's.
 */
function nkeyRollout(s: TradingServiceSnapshot, service: TradingService): MemberRollout {
  const status = service.status ?? {};
  const name = service.metadata.name;
  if (s.platform.nats.auth !== 'jwt' || s.vault.state !== 'reachable') {
    const version = status.nkeyPinnedVersion ?? 0;
    return rolloutState(name, s.deployment, { dataPath: seedPath(s.platform, service), version });
  }
  const creds = s.vault.userJwt;
  if (!creds || creds.publicKey !== status.natsUser)
    return { service: name, state: 'pending', detail: 'no creds for the new key yet' };
  const dataPath = seedPath(s.platform, service);
  return rolloutState(name, s.deployment, { dataPath, version: creds.version });
}

const PHASE_REASON = {
  Stable: TradingServiceReason.NkeyStable,
  Authorizing: TradingServiceReason.NkeyAuthorizing,
  Rolling: TradingServiceReason.NkeyRolling,
} as const;

/** NkeyRotating: True while a new key is authorized and rolled out, the reason naming the step. */
export function nkeyCondition(nkey: NkeyDecision): ConditionInput {
  const type = TradingServiceConditionType.NkeyRotating;
  if (nkey.failed)
    return condition(
      type,
      'True',
      TradingServiceReason.NkeyRolloutFailed,
      `${nkey.failed}: nats-server keeps accepting both keys until it finishes`,
    );
  if (nkey.phase === 'Stable')
    return condition(type, 'False', PHASE_REASON.Stable, `pods read NKey seed version ${nkey.pin}`);
  return condition(
    type,
    'True',
    PHASE_REASON[nkey.phase],
    `waiting for ${nkey.waiting ?? 'the next step'}`,
  );
}
