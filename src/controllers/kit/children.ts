import type { Projection } from '../../operator/informer/store.ts';
import { FIELD_MANAGER } from '../../operator/kube/client.ts';

/** The label every object the operator applies carries: its informers watch only those. */
export const MANAGED_BY_POSTURE = 'app.kubernetes.io/managed-by=posture';

/**
 * How the operator caches the objects it applies: only the fields its field manager owns (what
 * it compares before applying again) plus identity, and a Deployment's status (ready replicas,
 * rollouts). Kubernetes' defaults and other managers' fields stay out of memory. Every
 * controller asks for the same spec, so they share one informer per kind.
 */
export function childCache(kind: string): { labelSelector: string; ownedBy: Projection } {
  return {
    labelSelector: MANAGED_BY_POSTURE,
    ownedBy: { manager: FIELD_MANAGER, keepStatus: kind === 'Deployment' },
  };
}
