/**
 * Vault's Kubernetes auth against the test apiserver, the way a cluster administrator sets it
 * up: a reviewer ServiceAccount allowed to create TokenReviews, a mount configured with the
 * apiserver's address and CA, and TokenRequest tokens for the ServiceAccounts that log in.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { VaultUnavailableError } from '../../src/vault/errors.ts';
import { kubectl, testEnv } from './env.ts';

export async function mustKubectl(args: string[]): Promise<string> {
  const result = await kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

export interface KubernetesAuthMount {
  /** The mount, without `auth/`: `k8s-<random>`. */
  mount: string;
  /** Disables the mount and removes the reviewer's binding. */
  remove: () => Promise<void>;
}

/**
 * Enables a Kubernetes auth method at `mount`. Test files run two at a time, each enabling and
 * disabling mounts of its own; Vault once answered one of those 500 "internal error" (a CI run
 * of December 2026), which is not the test's subject: tried again a few times, and a mount an
 * attempt left behind counts as enabled.
 */
async function enableAuth(root: VaultAdapter, mount: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await root.write({ path: `sys/auth/${mount}`, body: { type: 'kubernetes' } });
      return;
    } catch (error) {
      if (!(error instanceof VaultUnavailableError) || attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      const mounts = await root.read('sys/auth');
      if (mounts && `${mount}/` in mounts) return;
    }
  }
}

/**
 * A Kubernetes auth mount of the test's own (tests running in parallel never share auth
 * config), reviewing tokens with a ServiceAccount in `namespace`.
 */
export async function kubernetesAuthMount(
  root: VaultAdapter,
  namespace: string,
): Promise<KubernetesAuthMount> {
  const env = testEnv();
  const mount = `k8s-${randomBytes(3).toString('hex')}`;
  const binding = `${namespace}-vault-reviewer`;
  await mustKubectl(['-n', namespace, 'create', 'serviceaccount', 'vault-reviewer']);
  await mustKubectl([
    'create',
    'clusterrolebinding',
    binding,
    '--clusterrole=system:auth-delegator',
    `--serviceaccount=${namespace}:vault-reviewer`,
  ]);
  const reviewer = await serviceAccountToken(namespace, 'vault-reviewer', { duration: '2h' });
  await enableAuth(root, mount);
  await root.configureKubernetesAuth(mount, {
    host: env.kube.server,
    caCert: readFileSync(env.kube.caFile, 'utf8'),
    tokenReviewerJwt: reviewer,
  });
  return {
    mount,
    remove: async () => {
      await root.delete(`sys/auth/${mount}`);
      await mustKubectl(['delete', 'clusterrolebinding', binding, '--ignore-not-found']);
    },
  };
}

/**
 * A TokenRequest token for a ServiceAccount, as the kubelet projects into a pod: for
 * `audience` (Vault's roles require `vault`), or the apiserver's default audience when unset.
 */
export function serviceAccountToken(
  namespace: string,
  serviceAccount: string,
  options: { audience?: string; duration?: string } = {},
): Promise<string> {
  return mustKubectl([
    '-n',
    namespace,
    'create',
    'token',
    serviceAccount,
    `--duration=${options.duration ?? '10m'}`,
    ...(options.audience ? [`--audience=${options.audience}`] : []),
  ]);
}
