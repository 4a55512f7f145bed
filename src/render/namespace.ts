import { CiliumNetworkPolicy, DENY_ALL, KubeNamespace } from './kinds.ts';
import { MANAGED_BY } from './labels.ts';
import { part, type Part } from './objects.ts';

/** Name of the per-namespace baseline policy; also the file in `policies/cilium/`. */
export const DEFAULT_DENY = 'posture-default-deny';
/** Name of the quarantine policy an isolated namespace gets. */
export const QUARANTINE = 'posture-quarantine';

/**
 * The Namespace object. Pod Security Admission is set to `restricted`: the Deployments posture
 * renders meet it, and anything else that lands in the namespace must too.
 */
export function namespacePart(name: string): Part {
  return part(`namespace-${name}`, KubeNamespace, {
    metadata: {
      name,
      labels: {
        ...MANAGED_BY,
        'kubernetes.io/metadata.name': name,
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
      },
    },
  });
}

/**
 * Default deny for every endpoint of the namespace, both directions. The empty rule selects no
 * peer, so the policy allows nothing by itself; each service's own policy adds exactly what it
 * declared. `enableDefaultDeny` states the intent even where Cilium's defaults differ.
 */
export function defaultDenyPart(namespace: string): Part {
  return part(`${namespace}-default-deny`, CiliumNetworkPolicy, {
    metadata: { name: DEFAULT_DENY, namespace, labels: { ...MANAGED_BY } },
    spec: {
      description:
        'posture baseline: deny all ingress and egress unless a service policy allows it',
      endpointSelector: {},
      enableDefaultDeny: { ingress: true, egress: true },
      ingress: [{}],
      egress: [{}],
    },
  });
}

/**
 * Quarantine of an isolated namespace (incident playbook step 1): deny rules win over every
 * allow rule in Cilium, so this cuts all traffic of all endpoints at once, and deleting it
 * restores exactly the policies that were there before.
 */
export function quarantinePart(namespace: string): Part {
  return part(`${namespace}-quarantine`, CiliumNetworkPolicy, {
    metadata: { name: QUARANTINE, namespace, labels: { ...MANAGED_BY } },
    spec: {
      description: 'posture quarantine: namespace isolated, all traffic denied',
      endpointSelector: {},
      ingressDeny: [{ fromEntities: [DENY_ALL.ingress] }],
      egressDeny: [{ toEntities: [DENY_ALL.egress] }],
    },
  });
}

/**
 * The baseline of a namespace that holds TradingServices: the Namespace (Pod Security labels)
 * and its default-deny policy. `posture synth` renders these into cluster/namespaces and
 * apps/<namespace>/_baseline; the operator applies the same objects (contract test).
 */
export function baselineParts(namespace: string): Part[] {
  return [namespacePart(namespace), defaultDenyPart(namespace)];
}
