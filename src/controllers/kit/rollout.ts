import type { KubeObject } from '../../operator/kube/types.ts';

/**
 * Where a service's Deployment stands with respect to a KV version its pod template must pin
 * (an HmacKeyRing member's ring version, a TradingService's NKey seed version):
 * - `done`: its pod template reads that version and every pod runs that template and is available;
 * - `pending`: the template does not pin the version yet, or pods still roll;
 * - `failed`: the rollout passed its progress deadline (ProgressDeadlineExceeded);
 * - `absent`: no Deployment: nothing runs that could hold an older version.
 */
export type RolloutState = 'done' | 'pending' | 'failed' | 'absent';

export interface MemberRollout {
  service: string;
  state: RolloutState;
  /** Why not done, for the condition message. */
  detail?: string;
}

interface DeploymentShape {
  metadata: { generation?: number };
  spec?: { replicas?: number; template?: { metadata?: { annotations?: Record<string, string> } } };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    /** Reported by apiservers with DeploymentReplicaSetTerminatingReplicas (1.33+). */
    terminatingReplicas?: number;
    conditions?: { type: string; status: string; reason?: string }[];
  };
}

/** The Vault Agent template of a file pinned to `version` names `<data path>?version=<n>`. */
export function pinsVersion(deployment: KubeObject, dataPath: string, version: number): boolean {
  const annotations = (deployment as DeploymentShape).spec?.template?.metadata?.annotations ?? {};
  const pin = `"${dataPath}?version=${version}"`;
  return Object.values(annotations).some((value) => value.includes(pin));
}

function stuck(d: DeploymentShape): boolean {
  return (d.status?.conditions ?? []).some(
    (c) =>
      c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded',
  );
}

/** Every pod runs the current template and is available; undefined when so, else how far. */
function shortfall(d: DeploymentShape): string | undefined {
  const want = d.spec?.replicas ?? 1;
  const counts = {
    observedGeneration: 0,
    replicas: 0,
    updatedReplicas: 0,
    availableReplicas: 0,
    terminatingReplicas: 0,
  };
  const { observedGeneration, replicas, updatedReplicas, availableReplicas, terminatingReplicas } =
    { ...counts, ...d.status };
  const observed = observedGeneration >= (d.metadata.generation ?? 0);
  // A terminating pod may still run the old template until its grace period ends.
  const rolled =
    updatedReplicas >= want &&
    replicas <= updatedReplicas &&
    availableReplicas >= want &&
    terminatingReplicas === 0;
  if (observed && rolled) return undefined;
  return `${updatedReplicas}/${want} updated, ${availableReplicas} available`;
}

/** Pure: the rollout state of `deployment` towards `version` of the KV secret at `dataPath`. */
export function rolloutState(
  service: string,
  deployment: KubeObject | undefined,
  pin: { dataPath: string; version: number },
): MemberRollout {
  if (!deployment) return { service, state: 'absent' };
  if (!pinsVersion(deployment, pin.dataPath, pin.version))
    return { service, state: 'pending', detail: `not yet pinned to version ${pin.version}` };
  const d = deployment as DeploymentShape;
  if (stuck(d))
    return { service, state: 'failed', detail: 'rollout exceeded its progress deadline' };
  const missing = shortfall(d);
  return missing ? { service, state: 'pending', detail: missing } : { service, state: 'done' };
}
