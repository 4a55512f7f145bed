/**
 * The operator's own Vault login for tests, as a cluster administrator sets it up once (the
 * bootstrap, done with the root token): a Kubernetes auth mount, the policy
 * `posture vault operator-policy` prints, the role `posture vault operator-role` prints for the
 * operator's ServiceAccount, and a `vault`-audience token of that ServiceAccount in a file (the
 * projected token a pod would mount). The operator then runs with `--vault-role`, no root token.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  platformSchema,
  type Platform,
  type PlatformInput,
} from '../../src/api/platform/settings.ts';
import { kubernetesLogin } from '../../src/vault/auth.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { operatorPolicyWrite, operatorRoleWrite } from '../../src/render/vault/operator-policy.ts';
import { testEnv } from './env.ts';
import { kubernetesAuthMount, mustKubectl, serviceAccountToken } from './kubernetes-auth.ts';
import { rootVault } from './tradingservice.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

export const OPERATOR_SERVICE_ACCOUNT = 'posture-operator';

export interface OperatorVaultLogin {
  /** The platform with `vault.authMount` set to the test's own mount. */
  platform: Platform;
  /** Role and policy name: `posture-operator-<random>`. */
  role: string;
  /** The ServiceAccount token file (`--vault-jwt-file`). */
  jwtFile: string;
  /** The flags `posture operator` takes to log in this way. */
  flags: string[];
  /** A Vault adapter that logs in exactly as the operator does. */
  adapter: () => HttpVaultAdapter;
  remove: () => Promise<void>;
}

/**
 * Sets up the operator's login in `namespace`: for a new ServiceAccount `posture-operator`, or
 * for `existingServiceAccount` (the one the Helm chart created).
 */
export async function operatorVaultLogin(
  namespace: string,
  platformInput: PlatformInput = {},
  options: { existingServiceAccount?: string } = {},
): Promise<OperatorVaultLogin> {
  const root = rootVault();
  const vaultAddr = testEnv().vault!.addr;
  const auth = await kubernetesAuthMount(root, namespace);
  const input = { ...platformInput, vault: { ...platformInput.vault, authMount: auth.mount } };
  const platform = platformSchema.parse(input);
  const role = `posture-operator-${randomBytes(3).toString('hex')}`;
  await root.write(operatorPolicyWrite(platform, { name: role }));
  const serviceAccount = options.existingServiceAccount ?? OPERATOR_SERVICE_ACCOUNT;
  if (!options.existingServiceAccount)
    await mustKubectl(['-n', namespace, 'create', 'serviceaccount', serviceAccount]);
  await root.write(operatorRoleWrite(platform, { namespace, serviceAccount, name: role }));
  const jwtFile = join(scratchDir('posture-op-jwt-'), 'token');
  const jwt = await serviceAccountToken(namespace, serviceAccount, {
    audience: VAULT_AUDIENCE,
    duration: '2h',
  });
  writeFileSync(jwtFile, jwt, { mode: 0o600 });
  const adapter = () =>
    new HttpVaultAdapter({
      address: vaultAddr,
      token: kubernetesLogin({
        role,
        mount: auth.mount,
        jwtFile,
        login: (m, r, j) => root.kubernetesLogin(m, r, j),
      }),
    });
  return {
    platform,
    role,
    jwtFile,
    flags: [`--vault-role=${role}`, `--vault-jwt-file=${jwtFile}`],
    adapter,
    remove: async () => {
      await root.deletePolicy(role);
      await auth.remove();
    },
  };
}
