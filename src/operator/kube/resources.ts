/**
 * A resource the runtime reads or writes, enough to build its REST paths.
 * `group` is '' for the core API.
 */
export interface Resource {
  group: string;
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export function apiVersionOf(resource: Resource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

function prefix(resource: Resource): string {
  return resource.group
    ? `/apis/${resource.group}/${resource.version}`
    : `/api/${resource.version}`;
}

/**
 * Collection path: all namespaces when `namespace` is undefined (for a namespaced
 * resource), else the namespace's collection.
 */
export function collectionPath(resource: Resource, namespace?: string): string {
  if (resource.namespaced && namespace) {
    return `${prefix(resource)}/namespaces/${encodeURIComponent(namespace)}/${resource.plural}`;
  }
  return `${prefix(resource)}/${resource.plural}`;
}

export function objectPath(resource: Resource, name: string, namespace?: string): string {
  if (resource.namespaced && !namespace) {
    throw new Error(`${resource.kind} ${name}: a namespaced resource needs a namespace`);
  }
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}

function core(plural: string, kind: string, namespaced = true): Resource {
  return { group: '', version: 'v1', plural, kind, namespaced };
}

/** Resources the operator's runtime and reconcilers use. */
export const RESOURCES = {
  namespace: core('namespaces', 'Namespace', false),
  configMap: core('configmaps', 'ConfigMap'),
  secret: core('secrets', 'Secret'),
  serviceAccount: core('serviceaccounts', 'ServiceAccount'),
  service: core('services', 'Service'),
  event: core('events', 'Event'),
  pod: core('pods', 'Pod'),
  deployment: {
    group: 'apps',
    version: 'v1',
    plural: 'deployments',
    kind: 'Deployment',
    namespaced: true,
  },
  lease: {
    group: 'coordination.k8s.io',
    version: 'v1',
    plural: 'leases',
    kind: 'Lease',
    namespaced: true,
  },
  ciliumNetworkPolicy: {
    group: 'cilium.io',
    version: 'v2',
    plural: 'ciliumnetworkpolicies',
    kind: 'CiliumNetworkPolicy',
    namespaced: true,
  },
} as const satisfies Record<string, Resource>;
