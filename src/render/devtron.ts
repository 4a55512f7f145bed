import { CiliumNetworkPolicy, IngressProtocol, KubeRole, KubeRoleBinding } from './kinds.ts';
import type { Platform } from '../api/platform/settings.ts';
import { MANAGED_BY } from './labels.ts';
import { part, type Part } from './objects.ts';

/**
 * Devtron hardening posture can render (docs/devtron.md): the dashboard reachable from the VPN
 * ranges only, and the account that syncs gitops/ held to a Role in each app namespace on
 * exactly the kinds posture writes there. SSO, MFA and event forwarding are Devtron's and the
 * IdP's settings, not objects: the document covers them.
 */

export type Devtron = NonNullable<Platform['devtron']>;

export const DEVTRON_APP = 'devtron';
export const DASHBOARD_POLICY = 'posture-devtron-dashboard';
export const DEPLOY_ROLE = 'posture-devtron-deploy';

/** What a sync needs: read to diff, write to apply. No delete (pruning stays a human's call). */
export const DEPLOY_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch'] as const;

/**
 * Resource names of the kinds posture renders into app namespaces. A kind missing here stops the
 * render, so a new kind is granted only by a reviewed change. Secrets are never here: Devtron's
 * account must not read them (the NATS auth Secret is written by the operator, in the NATS
 * namespace, which is no app namespace).
 */
const RESOURCES: Readonly<Record<string, string>> = {
  ServiceAccount: 'serviceaccounts',
  Service: 'services',
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  CiliumNetworkPolicy: 'ciliumnetworkpolicies',
};

/** A kind posture renders, as `<apiVersion> <kind>` (the cdk8s class's GVK). */
export interface RenderedKind {
  apiVersion: string;
  kind: string;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** One rule per API group, resources sorted: the same kinds give the same bytes. */
export function deployRules(kinds: Iterable<RenderedKind>) {
  const byGroup = new Map<string, Set<string>>();
  for (const { apiVersion, kind } of kinds) {
    const resource = RESOURCES[kind];
    if (resource === undefined)
      throw new Error(
        `devtron: no resource name for ${kind}: add it to RESOURCES in src/render/devtron.ts`,
      );
    const group = groupOf(apiVersion);
    byGroup.set(group, (byGroup.get(group) ?? new Set()).add(resource));
  }
  return [...byGroup]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([group, resources]) => ({
      apiGroups: [group],
      resources: [...resources].sort(),
      verbs: [...DEPLOY_VERBS],
    }));
}

/**
 * Ingress to the dashboard pods only from the VPN ranges, on the dashboard port. Selecting the
 * pods with an ingress rule puts them in default deny for ingress, so nothing else gets in.
 */
export function dashboardPolicyPart(devtron: Devtron): Part {
  return part('dashboard-policy', CiliumNetworkPolicy, {
    metadata: { name: DASHBOARD_POLICY, namespace: devtron.namespace, labels: { ...MANAGED_BY } },
    spec: {
      description: 'posture: the Devtron dashboard answers the VPN ranges only',
      endpointSelector: { matchLabels: { ...devtron.podLabels } },
      ingress: [
        {
          fromCidr: [...devtron.vpnCidrs],
          toPorts: [{ ports: [{ port: String(devtron.port), protocol: IngressProtocol.TCP }] }],
        },
      ],
    },
  });
}

function deployParts(devtron: Devtron, namespace: string, rules: ReturnType<typeof deployRules>) {
  const metadata = { name: DEPLOY_ROLE, namespace, labels: { ...MANAGED_BY } };
  return [
    part(`role-${namespace}`, KubeRole, { metadata, rules }),
    part(`binding-${namespace}`, KubeRoleBinding, {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: DEPLOY_ROLE },
      subjects: [
        { kind: 'ServiceAccount', name: devtron.serviceAccount, namespace: devtron.namespace },
      ],
    }),
  ];
}

/**
 * Everything posture renders for Devtron: the dashboard policy, and a Role and RoleBinding in each
 * app namespace granting the kinds rendered there. Nothing cluster-wide.
 */
export function devtronParts(
  devtron: Devtron,
  kindsByNamespace: ReadonlyMap<string, ReadonlyMap<string, RenderedKind>>,
): Part[] {
  const parts = [dashboardPolicyPart(devtron)];
  for (const namespace of [...kindsByNamespace.keys()].sort())
    parts.push(
      ...deployParts(devtron, namespace, deployRules(kindsByNamespace.get(namespace)!.values())),
    );
  return parts;
}
