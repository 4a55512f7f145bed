import type { KubeObject } from '../../operator/kube/types.ts';

/** The label responders set: `isolated` cuts the namespace off; absent or `released` restores. */
export const ISOLATION_LABEL = 'posture.dev/isolation';
export const ISOLATION_REASON = 'posture.dev/isolation-reason';
export const ISOLATION_ACTOR = 'posture.dev/isolation-actor';
/** Where the operator reports progress (JSON IsolationStatus) on the Namespace. */
export const ISOLATION_STATUS = 'posture.dev/isolation-status';

export type IsolationState = 'isolating' | 'isolated' | 'releasing' | 'released';

export interface IsolationStep {
  step: string;
  /** Milliseconds since the isolation (or release) started, when this step finished. */
  atMs: number;
  detail?: string;
}

export interface IsolationStatus {
  state: IsolationState;
  since: string;
  actor?: string;
  reason?: string;
  steps: IsolationStep[];
  /** The last failure; the namespace stays as it is (isolated) until the step succeeds. */
  error?: string;
}

export function wantsIsolation(namespace: KubeObject | undefined): boolean {
  return namespace?.metadata.labels?.[ISOLATION_LABEL] === 'isolated';
}

export function isolationStatus(namespace: KubeObject | undefined): IsolationStatus | undefined {
  const text = namespace?.metadata.annotations?.[ISOLATION_STATUS];
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<IsolationStatus>;
    if (typeof parsed.state !== 'string' || !Array.isArray(parsed.steps)) return undefined;
    return parsed as IsolationStatus;
  } catch {
    return undefined;
  }
}

/**
 * Fail closed: a namespace is isolated while its label says so, and also while an isolation or
 * release has not finished (or its status cannot be read): only a completed release lifts it.
 * TradingServices there get no Vault role and no NATS user.
 */
export function isIsolated(namespace: KubeObject | undefined): boolean {
  if (wantsIsolation(namespace)) return true;
  const annotation = namespace?.metadata.annotations?.[ISOLATION_STATUS];
  if (annotation === undefined) return false;
  return isolationStatus(namespace)?.state !== 'released';
}
