import type { NatsUser } from '../nats/model.ts';
import type { KubernetesAuthRole, VaultPolicy } from '../vault/policy.ts';
import type { ServiceModel } from '../model.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { vaultRoleName } from './vault-agent.ts';
import { VAULT_AUDIENCE } from '../vault/policy.ts';

/** The NATS user of a service: its declared allow lists, authenticated by its NKey public key. */
export function natsUser(service: ServiceModel, nkey: string): NatsUser | undefined {
  if (!service.nats) return undefined;
  const { publish, subscribe, allowResponses } = service.nats;
  return {
    id: `${service.namespace}/${service.name}`,
    nkey,
    permissions: { publish, subscribe, ...(allowResponses !== undefined && { allowResponses }) },
  };
}

export interface VaultAccess {
  policy: VaultPolicy;
  role: KubernetesAuthRole;
}

/**
 * Read on exactly the paths the service's files come from (its secrets, key rings, the exchange
 * credentials it is a consumer of, its NATS seed), and a Kubernetes-auth role that only its
 * service account, with a token for audience `vault`, can log in to.
 */
export function vaultAccess(service: ServiceModel, platform: Platform): VaultAccess | undefined {
  if (service.files.length === 0) return undefined;
  const name = vaultRoleName(service);
  return {
    policy: {
      name,
      rules: service.files.map((f) => ({
        path: f.vaultPath,
        capabilities: ['read'],
        reason: f.reason,
      })),
    },
    role: {
      name,
      mount: platform.vault.authMount,
      serviceAccount: service.name,
      namespace: service.namespace,
      policies: [name],
      tokenTtl: platform.vault.tokenTtl,
      tokenMaxTtl: platform.vault.tokenMaxTtl,
      audience: VAULT_AUDIENCE,
    },
  };
}
