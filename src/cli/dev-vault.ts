import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Platform } from '../api/platform/settings.ts';
import type { Environment } from '../testenv/environment.ts';
import type { VaultAdapter } from '../vault/adapter.ts';
import {
  OPERATOR_POLICY,
  operatorPolicyWrite,
  operatorRoleWrite,
} from '../render/vault/operator-policy.ts';
import { VAULT_AUDIENCE } from '../render/vault/policy.ts';

const exec = promisify(execFile);

/** Where `posture dev up` puts the operator's ServiceAccount, as the Helm chart would. */
export const DEV_OPERATOR = { namespace: 'posture-system', serviceAccount: 'posture-operator' };
const REVIEWER = 'vault-token-reviewer';

async function kubectlOut(env: Environment, args: string[], input?: string): Promise<string> {
  const bin = env.info.bin['kubectl'] ?? 'kubectl';
  const run = exec(bin, [`--kubeconfig=${env.info.kube.kubeconfig}`, ...args]);
  if (input !== undefined) run.child.stdin?.end(input);
  return (await run).stdout.trim();
}

function accounts() {
  const { namespace, serviceAccount } = DEV_OPERATOR;
  const sa = (name: string) => ({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name, namespace },
  });
  return {
    apiVersion: 'v1',
    kind: 'List',
    items: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      sa(serviceAccount),
      sa(REVIEWER),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `posture-${REVIEWER}` },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:auth-delegator',
        },
        subjects: [{ kind: 'ServiceAccount', name: REVIEWER, namespace }],
      },
    ],
  };
}

async function ensureAuthMount(vault: VaultAdapter, mount: string): Promise<void> {
  const mounts = (await vault.read('sys/auth')) ?? {};
  if (!(`${mount}/` in mounts))
    await vault.write({ path: `sys/auth/${mount}`, body: { type: 'kubernetes' } });
}

/**
 * The bootstrap an administrator does once, with the root token: Kubernetes auth at the
 * platform's mount reviewing tokens against the local apiserver, the operator's policy and role
 * (`posture vault operator-policy` / `operator-role`), and a `vault`-audience token of its
 * ServiceAccount in a file, as a projected volume would hold it. The operator then runs with
 * `--vault-role`: the root token only seeds dev secrets. Returns the operator's Vault flags.
 */
export async function bootstrapOperatorLogin(
  env: Environment,
  platform: Platform,
  root: VaultAdapter,
): Promise<string[]> {
  const { namespace, serviceAccount } = DEV_OPERATOR;
  await kubectlOut(env, ['apply', '--server-side', '-f', '-'], JSON.stringify(accounts()));
  const token = (name: string, ...extra: string[]) =>
    kubectlOut(env, ['-n', namespace, 'create', 'token', name, '--duration=24h', ...extra]);
  const mount = platform.vault.authMount;
  await ensureAuthMount(root, mount);
  await root.configureKubernetesAuth(mount, {
    host: env.info.kube.server,
    caCert: await readFile(env.info.kube.caFile, 'utf8'),
    tokenReviewerJwt: await token(REVIEWER),
  });
  await root.write(operatorPolicyWrite(platform));
  await root.write(operatorRoleWrite(platform, { namespace, serviceAccount }));
  const jwtFile = join(env.info.dir, 'operator-vault-jwt');
  await writeFile(jwtFile, await token(serviceAccount, `--audience=${VAULT_AUDIENCE}`), {
    mode: 0o600,
  });
  return [`--vault-role=${OPERATOR_POLICY}`, `--vault-jwt-file=${jwtFile}`];
}
