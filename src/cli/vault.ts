import { InvalidArgumentError, type Command } from 'commander';
import { reviewJson } from '../gitops/synth.ts';
import {
  OPERATOR_POLICY,
  operatorPolicy,
  operatorRoleWrite,
} from '../render/vault/operator-policy.ts';
import { renderPolicyHcl } from '../render/vault/policy.ts';
import { NodeVaultAdapter } from '../vault/node-vault.ts';
import { loadPlatform } from './operator.ts';
import { VAULT_PATH_ANNOTATION } from './push-plan.ts';
import {
  runVaultPush,
  vaultAccess,
  type PushOptions,
  type VaultAccessOptions,
} from './vault-push.ts';

interface PolicyOptions {
  platform?: string;
  metadataPrefix: string[];
  hmacPrefix: string[];
  name: string;
}

interface RoleOptions {
  platform?: string;
  serviceAccount: string;
  name: string;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `posture vault operator-policy`: the HCL an administrator writes before the operator starts. */
export function operatorPolicyText(options: PolicyOptions): string {
  const platform = loadPlatform(options.platform);
  const metadata = options.metadataPrefix.length > 0 ? options.metadataPrefix : undefined;
  const hmac = options.hmacPrefix.length > 0 ? options.hmacPrefix : undefined;
  return renderPolicyHcl(
    operatorPolicy(platform, {
      name: options.name,
      ...(metadata && { metadataPrefixes: metadata }),
      ...(hmac && { hmacPrefixes: hmac }),
    }),
  );
}

/** `posture vault operator-role`: the role write as `{path, body}` JSON. */
export function operatorRoleText(options: RoleOptions): string {
  const [namespace = '', serviceAccount = ''] = options.serviceAccount.split('/');
  if (!namespace || !serviceAccount || options.serviceAccount.split('/').length !== 2) {
    throw new Error(
      `--service-account ${JSON.stringify(options.serviceAccount)}: use <namespace>/<name>, such as posture-system/posture`,
    );
  }
  const write = operatorRoleWrite(loadPlatform(options.platform), {
    namespace,
    serviceAccount,
    name: options.name,
  });
  return reviewJson(write);
}

function print(text: () => string): void {
  try {
    process.stdout.write(text());
  } catch (error) {
    process.stderr.write(
      `posture vault: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 1;
  }
}

export function registerVault(program: Command): void {
  const vault = program
    .command('vault')
    .description(
      "the operator's own Vault access (its policy and Kubernetes-auth role) and pushing sealed secrets into Vault KV",
    );
  vault
    .command('operator-policy')
    .description(
      "print the operator's Vault policy (HCL): exactly what the reconcilers call, for the " +
        "platform's KV and auth mounts. Write it with `vault policy write posture-operator -`.",
    )
    .option('--platform <file>', 'platform.yaml (vault.kvMount, vault.authMount)')
    .option(
      '--metadata-prefix <kv-path>',
      'KV prefix whose metadata the operator reads: secret versions and exchange key age, `+` for ' +
        "one segment (repeatable); default: the tenancy's namespace prefix and shared prefixes",
      collect,
      [],
    )
    .option(
      '--hmac-prefix <kv-path>',
      'KV prefix of HmacKeyRing keys, `+` for one segment (repeatable); default: <kvMount>/+/hmac/',
      collect,
      [],
    )
    .option('--name <policy>', 'policy name', OPERATOR_POLICY)
    .action((options: PolicyOptions) => print(() => operatorPolicyText(options)));
  vault
    .command('operator-role')
    .description(
      "print the operator's Kubernetes-auth role as a Vault write ({path, body} JSON): its " +
        "ServiceAccount only, audience vault, the operator policy without Vault's default policy",
    )
    .requiredOption('--service-account <namespace/name>', "the operator's ServiceAccount")
    .option('--platform <file>', 'platform.yaml (vault.authMount, token TTLs)')
    .option('--name <role>', 'role and policy name', OPERATOR_POLICY)
    .action((options: RoleOptions) => print(() => operatorRoleText(options)));
  vault
    .command('push')
    .description(
      'decrypt a SOPS-sealed Secret manifest or values file (SOPS_AGE_KEY_FILE / SOPS_AGE_KEY) ' +
        'and write its values to Vault KV v2 with check-and-set; prints keys and version, never values',
    )
    .argument('<file>', 'a file sealed by posture seal (or sops -e)')
    .option(
      '--path <mount/path>',
      `KV v2 path such as secret/titan/db; default: the Secret's ${VAULT_PATH_ANNOTATION} annotation`,
    )
    .option(
      '--force',
      'replace data that differs from the file (still refused if it changes meanwhile)',
    )
    .option('--cas <version>', 'write only if the current version is this one (0: absent)', (v) => {
      if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError('use a version number');
      return Number(v);
    })
    .option('--vault-addr <url>', 'Vault address; default VAULT_ADDR (https, or http on loopback)')
    .option('--vault-token-file <file>', 'file holding the Vault token; default VAULT_TOKEN')
    .action(async (file: string, options: PushOptions & VaultAccessOptions) => {
      const io = { env: process.env, stdout: process.stdout, stderr: process.stderr };
      process.exitCode = await runVaultPush(file, options, io, () => {
        const access = vaultAccess(options, process.env);
        return new NodeVaultAdapter({
          address: access.address,
          token: access.token,
          timeoutMs: 10_000,
        });
      });
    });
}
