import type { ServiceModel } from '../model.ts';
import type { Part } from '../objects.ts';
import type { Platform } from '../../api/platform/settings.ts';
import { networkPolicyPart } from './network-policy.ts';
import { deploymentPart, serviceAccountPart, servicePart } from './workload.ts';

export { natsUser, vaultAccess, type VaultAccess } from './access.ts';
export { secretTemplate, vaultAgentAnnotations, vaultRoleName } from './vault-agent.ts';

/** The Kubernetes objects of one TradingService, in apply order. */
export function serviceParts(service: ServiceModel, platform: Platform): Part[] {
  const parts = [
    serviceAccountPart(service),
    servicePart(service),
    networkPolicyPart(service, platform),
    deploymentPart(service, platform),
  ];
  return parts.filter((p): p is Part => p !== undefined);
}
