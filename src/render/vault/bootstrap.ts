import type { Platform } from '../../api/platform/settings.ts';
import {
  OPERATOR_POLICY,
  operatorPolicy,
  operatorRoleWrite,
  type OperatorPolicyOptions,
} from './operator-policy.ts';
import { renderPolicyHcl } from './policy.ts';

/**
 * The Vault side of the platform as data: what an administrator sets up once, before the
 * operator starts. `posture vault bootstrap` applies it to a live Vault, and terraform/ declares
 * the same set in HCL; a test reads the HCL and compares it with this plan, so the two cannot
 * drift apart. Pure: no Vault, no clock.
 */

/** Where the platform's audit device writes by default (Vault's own container image path). */
export const DEFAULT_AUDIT_FILE = '/vault/audit/audit.log';

/** An auth method, secrets engine or audit device: `sys/auth/<path>`, `sys/mounts/<path>`, `sys/audit/<path>`. */
export interface Mount {
  path: string;
  type: string;
  /** Vault compares options as strings (`version: "2"`), so they are kept as strings here. */
  options: Record<string, string>;
}

export interface BootstrapPlan {
  auth: Mount[];
  secrets: Mount[];
  audit: Mount[];
  /** `auth/<mount>/config` of the Kubernetes auth method. */
  kubernetesConfig: { mount: string; host: string; caCert: string };
  policies: { name: string; hcl: string }[];
  /** Kubernetes-auth roles, each a write of `auth/<mount>/role/<name>`. */
  roles: { mount: string; name: string; body: Record<string, unknown> }[];
}

export interface BootstrapOptions {
  /** https://host:port of the apiserver that Vault asks for TokenReviews. */
  kubernetesHost: string;
  /** PEM that verifies it. */
  kubernetesCaCert: string;
  /** The operator's ServiceAccount. */
  namespace: string;
  serviceAccount: string;
  /** @default DEFAULT_AUDIT_FILE */
  auditFile?: string;
  /** Name of the file audit device. @default 'file' */
  auditPath?: string;
  /** The operator's policy and role name. @default OPERATOR_POLICY */
  name?: string;
  policy?: Omit<OperatorPolicyOptions, 'name'>;
}

export function bootstrapPlan(platform: Platform, options: BootstrapOptions): BootstrapPlan {
  const name = options.name ?? OPERATOR_POLICY;
  const mount = platform.vault.authMount;
  const role = operatorRoleWrite(platform, {
    namespace: options.namespace,
    serviceAccount: options.serviceAccount,
    name,
  });
  return {
    auth: [{ path: mount, type: 'kubernetes', options: {} }],
    secrets: [{ path: platform.vault.kvMount, type: 'kv', options: { version: '2' } }],
    audit: [
      {
        path: options.auditPath ?? 'file',
        type: 'file',
        options: { file_path: options.auditFile ?? DEFAULT_AUDIT_FILE },
      },
    ],
    kubernetesConfig: { mount, host: options.kubernetesHost, caCert: options.kubernetesCaCert },
    policies: [
      { name, hcl: renderPolicyHcl(operatorPolicy(platform, { ...options.policy, name })) },
    ],
    roles: [{ mount, name, body: role.body }],
  };
}
