import type * as k8s from 'cdk8s-plus-33/lib/imports/k8s.js';
import type * as cilium from '../imports/cilium.io.js';
import { kind } from './objects.ts';

/**
 * The kinds posture renders, each typed by the props of its cdk8s-imported class. The imports are
 * types only: loading the generated classes (and cdk8s under them) cost the operator about 30 MB
 * of memory for nothing it runs (docs/adr/0065). `kinds.test.ts` holds each apiVersion and kind
 * to its class's GVK.
 */
export const KubeDeployment = kind<k8s.KubeDeploymentProps>('apps/v1', 'Deployment');
export const KubeService = kind<k8s.KubeServiceProps>('v1', 'Service');
export const KubeServiceAccount = kind<k8s.KubeServiceAccountProps>('v1', 'ServiceAccount');
export const KubeSecret = kind<k8s.KubeSecretProps>('v1', 'Secret');
export const KubeNamespace = kind<k8s.KubeNamespaceProps>('v1', 'Namespace');
export const KubeRole = kind<k8s.KubeRoleProps>('rbac.authorization.k8s.io/v1', 'Role');
export const KubeRoleBinding = kind<k8s.KubeRoleBindingProps>(
  'rbac.authorization.k8s.io/v1',
  'RoleBinding',
);
export const KubeValidatingAdmissionPolicy = kind<k8s.KubeValidatingAdmissionPolicyProps>(
  'admissionregistration.k8s.io/v1',
  'ValidatingAdmissionPolicy',
);
export const KubeValidatingAdmissionPolicyBinding =
  kind<k8s.KubeValidatingAdmissionPolicyBindingProps>(
    'admissionregistration.k8s.io/v1',
    'ValidatingAdmissionPolicyBinding',
  );
export const CiliumNetworkPolicy = kind<cilium.CiliumNetworkPolicyProps>(
  'cilium.io/v2',
  'CiliumNetworkPolicy',
);

/** Cilium's port protocols, typed as the generated enums (which are values, not loaded here). */
export const EgressProtocol = {
  TCP: 'TCP' as cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
  UDP: 'UDP' as cilium.CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
};
export const IngressProtocol = {
  TCP: 'TCP' as cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
  UDP: 'UDP' as cilium.CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
};
/** Cilium's `all` entity in deny rules. */
export const DENY_ALL = {
  ingress: 'all' as cilium.CiliumNetworkPolicySpecIngressDenyFromEntities,
  egress: 'all' as cilium.CiliumNetworkPolicySpecEgressDenyToEntities,
};
