/**
 * Labels posture puts on what it renders. `app.kubernetes.io/name` selects a service's pods
 * (Deployment, Service, CiliumNetworkPolicy all use it), `managed-by` lets anyone find
 * posture's objects, and `posture.dev/service` names the TradingService an object comes from.
 */
export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'posture' } as const;

/** Cilium's label for an endpoint's namespace, usable in endpoint selectors. */
export const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

/** The labels that select a service's pods; also the Deployment's immutable selector. */
export function selectorLabels(service: string): Record<string, string> {
  return { 'app.kubernetes.io/name': service };
}

/** Labels on every object rendered for a service. */
export function serviceLabels(namespace: string, service: string): Record<string, string> {
  return {
    ...MANAGED_BY,
    'app.kubernetes.io/name': service,
    'app.kubernetes.io/part-of': namespace,
    'posture.dev/service': service,
  };
}

/** A Cilium endpoint selector for a service's pods in a namespace. */
export function endpointOf(namespace: string, service: string): Record<string, string> {
  return { [CILIUM_NAMESPACE_LABEL]: namespace, ...selectorLabels(service) };
}

/**
 * A Cilium endpoint selector for pods with these labels in a namespace. The namespace is set
 * last so that no label can replace it: a selector always stays inside its namespace.
 */
export function endpointsIn(
  namespace: string,
  labels: Record<string, string>,
): Record<string, string> {
  return { ...labels, [CILIUM_NAMESPACE_LABEL]: namespace };
}
