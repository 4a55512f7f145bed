import type { HmacKeyRing, HmacPhase } from '../../api/hmackeyring/schema.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import type { Change } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { kvDataPath } from '../../render/build-model.ts';
import type { VaultAdapter } from '../../vault/adapter.ts';
import { vaultFailure } from '../kit/vault.ts';
import type { RingVault } from './decide.ts';
import { RingDataSchema } from './ring-data.ts';
import { rolloutState, type MemberRollout } from '../kit/rollout.ts';

/** Gather: the ring's current version in Vault (the operator's own reads of its own writes). */
export async function readRing(vault: VaultAdapter, vaultPath: string): Promise<RingVault> {
  try {
    const secret = await vault.kvRead(vaultPath);
    if (!secret) return { state: 'missing' };
    const data = RingDataSchema.safeParse(secret.data);
    if (!data.success)
      return {
        state: 'corrupt',
        message: `version ${secret.version} at ${vaultPath} is not an HMAC ring (fields algorithm, keyId, primary[, secondaryKeyId, secondary]): delete the path or write a ring there`,
      };
    return {
      state: 'present',
      version: secret.version,
      createdTime: secret.createdTime,
      data: data.data,
    };
  } catch (error) {
    const failure = vaultFailure(error);
    if (failure) return failure;
    throw error;
  }
}

/** Each member's rollout towards the version status pins it to (none pinned: nothing to wait for). */
export function memberRollouts(
  ring: HmacKeyRing,
  deployments: Informer<KubeObject>,
): { listeners: MemberRollout[]; signers: MemberRollout[] } {
  const { namespace = '' } = ring.metadata;
  const dataPath = kvDataPath(ring.spec.vaultPath);
  const rollouts = (names: readonly string[], version: number | undefined) =>
    version === undefined
      ? []
      : names.map((name) =>
          rolloutState(name, deployments.store.get(`${namespace}/${name}`), { dataPath, version }),
        );
  return {
    listeners: rollouts(ring.spec.listeners, ring.status?.listenerVersion),
    signers: rollouts(ring.spec.signers, ring.status?.signerVersion),
  };
}

/** The phases whose decision reads the members' rollouts (decide.ts: progress). */
const ROLLING: ReadonlySet<string> = new Set<HmacPhase>(['ListenersRolling', 'SignersRolling']);

/**
 * A member's Deployment changed (rolled, failed): the rings that list it and wait for their
 * members' rollouts look again. A ring in another phase reads no Deployment, and in a burst
 * of new services every Deployment event queued its ring for nothing: a Vault read each (at
 * 10,000 services, 10,319 reconciles). A ring that enters a rolling phase is reconciled by its
 * own status write, which reads the Deployments as the cache has them then.
 */
export function ringsOfDeployment(rings: Informer<KubeObject>) {
  return (change: Change<KubeObject>): string[] => {
    const { name, namespace } = change.object.metadata;
    return rings.store
      .inNamespace(namespace ?? '')
      .filter((ring) => {
        const { spec, status } = ring as {
          spec?: { signers?: unknown[]; listeners?: unknown[] };
          status?: { phase?: unknown };
        };
        if (!ROLLING.has(String(status?.phase))) return false;
        return [...(spec?.signers ?? []), ...(spec?.listeners ?? [])].includes(name);
      })
      .map((ring) => `${namespace}/${ring.metadata.name}`);
  };
}
