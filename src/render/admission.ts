import { KubeValidatingAdmissionPolicy, KubeValidatingAdmissionPolicyBinding } from './kinds.ts';
import { MANAGED_BY } from './labels.ts';
import { part, type Part } from './objects.ts';
import type { Platform } from '../api/platform/settings.ts';

/**
 * Vault tenancy at admission (docs/adr/0037-vault-tenancy.md): the CRD's own CEL cannot see the
 * namespace, but a ValidatingAdmissionPolicy can (`request.namespace`). Rendered from the
 * platform settings, so the apiserver refuses what posture would refuse, before any reconcile:
 * a TradingService secret outside its namespace's prefix and the reviewed shared prefixes, a
 * credential or key ring outside its namespace's prefix.
 */

export const TENANCY_POLICY = 'posture-vault-tenancy';

const quote = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The namespace's prefix as a CEL string expression: `'secret/' + request.namespace + '/'`. */
function prefixCel(platform: Platform): string {
  const template =
    platform.vault.tenancy.namespacePrefix ?? `${platform.vault.kvMount}/{namespace}/`;
  return template.split('{namespace}').map(quote).join(' + request.namespace + ');
}

function tradingServiceRule(platform: Platform, prefix: string) {
  const shared = platform.vault.tenancy.sharedPrefixes.map(quote).join(', ');
  const inShared =
    shared === '' ? '' : ` || [${shared}].exists(x, (s.vaultPath + '/').startsWith(x))`;
  return {
    expression:
      `object.kind != 'TradingService' || !has(object.spec.secrets) || ` +
      `object.spec.secrets.all(s, (s.vaultPath + '/').startsWith(${prefix})${inShared})`,
    messageExpression:
      `'spec.secrets: every vaultPath must lie under ' + ${prefix} + ', the prefix namespace ' + ` +
      `request.namespace + ' owns in Vault` +
      (shared === ''
        ? ''
        : `, or a shared prefix (${platform.vault.tenancy.sharedPrefixes.join(', ')})`) +
      `'`,
    reason: 'Forbidden',
  };
}

function ownedRule(prefix: string) {
  return {
    expression:
      `!(object.kind in ['ExchangeCredential', 'HmacKeyRing']) || ` +
      `(object.spec.vaultPath + '/').startsWith(${prefix})`,
    messageExpression:
      `'spec.vaultPath must lie under ' + ${prefix} + ', the prefix namespace ' + ` +
      `request.namespace + ' owns in Vault (shared prefixes hold plain secrets only)'`,
    reason: 'Forbidden',
  };
}

/** The policy and its binding (Deny), for `cluster/admission/` in gitops. */
export function tenancyAdmissionParts(platform: Platform): Part[] {
  const prefix = prefixCel(platform);
  const metadata = () => ({ name: TENANCY_POLICY, labels: { ...MANAGED_BY } });
  return [
    part('tenancy-policy', KubeValidatingAdmissionPolicy, {
      metadata: metadata(),
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: {
          resourceRules: [
            {
              apiGroups: ['posture.dev'],
              apiVersions: ['*'],
              resources: ['tradingservices', 'exchangecredentials', 'hmackeyrings'],
              operations: ['CREATE', 'UPDATE'],
            },
          ],
        },
        validations: [tradingServiceRule(platform, prefix), ownedRule(prefix)],
      },
    }),
    part('tenancy-binding', KubeValidatingAdmissionPolicyBinding, {
      metadata: metadata(),
      spec: { policyName: TENANCY_POLICY, validationActions: ['Deny'] },
    }),
  ];
}
