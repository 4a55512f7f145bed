import type { Controller, ReconcileRequest } from '../../operator/controller.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import type { Change } from '../../operator/informer/store.ts';
import { applyIfChanged } from '../../operator/kube/apply.ts';
import { RESOURCES } from '../../operator/kube/resources.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { OperatorDeps } from '../kit/deps.ts';
import { baselineParts, DEFAULT_DENY } from '../../render/namespace.ts';
import { statusOnly } from '../kit/changes.ts';
import { partManifest } from '../../render/objects.ts';

/**
 * The namespace baseline, keyed by namespace: every namespace that holds a TradingService gets
 * the Namespace labels (Pod Security `restricted`) and the `posture-default-deny` policy, the
 * objects `posture synth` renders for it. A namespace whose last service left keeps them:
 * default deny is never the wrong posture, and removing it could open what a policy outside
 * posture relied on. Namespaces are few, so all are cached: a namespace that is gone or going
 * (deletionTimestamp) is never applied, since an apply would try to create it again.
 */

export interface BaselineCaches {
  /** TradingServices (the reconciler's informer): which namespaces hold one. */
  services: Informer<KubeObject>;
  /** posture's CiliumNetworkPolicies (the children informer): the live default-deny. */
  policies: Informer<KubeObject>;
}

/** The desired objects of one namespace, as the operator applies them. */
export function baselineObjects(namespace: string): KubeObject[] {
  return baselineParts(namespace).map((p) => partManifest(p) as unknown as KubeObject);
}

// The namespace's own index: a scan of the whole cache per namespace reconcile is O(services).
const holdsService = (services: Informer<KubeObject>, namespace: string) =>
  services.store.inNamespace(namespace).some((o) => !o.metadata.deletionTimestamp);

/** A service's change re-reconciles its namespace (the first one there brings the baseline). */
const namespaceOf = (object: KubeObject): string[] =>
  object.metadata.namespace ? [object.metadata.namespace] : [];

/**
 * A service's change brings the baseline only where it is not in place yet: once the namespace's
 * default-deny policy is cached, the policy's own watch puts it back, and the Namespace's watch
 * (the primary, listed at every start) puts back its labels. Without this a burst of new services
 * queued their namespace once each (800 reconciles for 1,000 services in 10 namespaces).
 */
export const serviceNamespace =
  (policies: Pick<Informer<KubeObject>, 'store'>) =>
  (change: Change<KubeObject>): string[] => {
    if (statusOnly(change)) return [];
    return namespaceOf(change.object).filter(
      (namespace) => policies.store.get(`${namespace}/${DEFAULT_DENY}`) === undefined,
    );
  };

/** A changed or deleted default-deny policy is put back. */
const policyNamespace = ({ object }: Change<KubeObject>): string[] =>
  object.metadata.name === DEFAULT_DENY ? namespaceOf(object) : [];

export function namespaceBaselineController(
  deps: OperatorDeps,
  caches: BaselineCaches,
): Controller<KubeObject> {
  const namespaces = deps.manager.informer<KubeObject>({ resource: RESOURCES.namespace });
  const reconcile = async ({ key, object }: ReconcileRequest<KubeObject>) => {
    if (!object || object.metadata.deletionTimestamp) return undefined;
    if (!holdsService(caches.services, key)) return undefined;
    const [namespace, policy] = baselineObjects(key);
    if (namespace) await applyIfChanged(deps.client, RESOURCES.namespace, namespace, object);
    const live = caches.policies.store.get(`${key}/${DEFAULT_DENY}`);
    if (policy) await applyIfChanged(deps.client, RESOURCES.ciliumNetworkPolicy, policy, live);
    return undefined;
  };
  return deps.manager.controller<KubeObject>({
    kind: 'NamespaceBaseline',
    informer: namespaces,
    watches: [
      { informer: caches.services, map: serviceNamespace(caches.policies) },
      { informer: caches.policies, map: policyNamespace },
    ],
    reconcile,
  });
}
