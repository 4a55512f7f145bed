import { InvalidArgumentError, type Command } from 'commander';
import { reviewJson } from '../gitops/synth.ts';
import {
  OPERATOR_POLICY,
  operatorPolicy,
  operatorRoleWrite,
} from '../render/vault/operator-policy.ts';
import { renderPolicyHcl } from '../render/vault/policy.ts';
import { HttpVaultAdapter } from '../vault/http.ts';
import { printing } from './printing.ts';
import { loadPlatform } from './operator.ts';
import { VAULT_PATH_ANNOTATION } from './push-plan.ts';
import {
  runVaultPush,
  vaultAccess,
  type PushOptions,
  type VaultAccessOptions,
} from './vault-push.ts';
import { readFileSync } from 'node:fs';
import { bootstrapPlan } from '../render/vault/bootstrap.ts';
import { applyBootstrap, bootstrapReport } from './vault-bootstrap.ts';

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

/** `<namespace>/<name>` → its two parts, or an error that says how to write it. */
function serviceAccountOf(flag: string): { namespace: string; serviceAccount: string } {
  const parts = flag.split('/');
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new Error(
      `--service-account ${JSON.stringify(flag)}: use <namespace>/<name>, such as posture-system/posture`,
    );
  }
  return { namespace: parts[0], serviceAccount: parts[1] };
}

/** `posture vault operator-role`: the role write as `{path, body}` JSON. */
export function operatorRoleText(options: RoleOptions): string {
  const write = operatorRoleWrite(loadPlatform(options.platform), {
    ...serviceAccountOf(options.serviceAccount),
    name: options.name,
  });
  return reviewJson(write);
}

interface BootstrapFlags {
  platform?: string;
  vaultAddr?: string;
  vaultTokenFile?: string;
  kubernetesHost: string;
  kubernetesCaFile: string;
  serviceAccount: string;
  auditFile?: string;
  auditPath: string;
  name: string;
}

/**
 * `posture vault bootstrap`: the same mounts, policy and role as terraform/, written to a live
 * Vault with an administrator's token (VAULT_TOKEN), for a platform run without Terraform.
 */
export async function vaultBootstrap(
  flags: BootstrapFlags,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  // A token is never a flag: flags are visible to every user of the machine (ps).
  const access = vaultAccess(flags, env);
  const plan = bootstrapPlan(loadPlatform(flags.platform), {
    ...serviceAccountOf(flags.serviceAccount),
    kubernetesHost: flags.kubernetesHost,
    kubernetesCaCert: readFileSync(flags.kubernetesCaFile, 'utf8'),
    auditPath: flags.auditPath,
    name: flags.name,
    ...(flags.auditFile && { auditFile: flags.auditFile }),
  });
  const vault = new HttpVaultAdapter(access);
  return bootstrapReport(await applyBootstrap(vault, plan));
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
        return new HttpVaultAdapter({
          address: access.address,
          token: access.token,
          timeoutMs: 10_000,
        });
      });
    });
  vault
    .command('bootstrap')
    .description(
      "set up the platform's Vault (what terraform/ declares): the Kubernetes auth method and " +
        'its config, the KV v2 mount, a file audit device, the operator policy and role. ' +
        'Idempotent: writes only what is missing or differs; a mount of another type is refused. ' +
        'Token from VAULT_TOKEN or --vault-token-file.',
    )
    .requiredOption('--kubernetes-host <url>', 'apiserver URL Vault calls for TokenReviews')
    .requiredOption('--kubernetes-ca-file <pem>', 'CA bundle that verifies that apiserver')
    .requiredOption('--service-account <namespace/name>', "the operator's ServiceAccount")
    .option('--vault-addr <url>', 'Vault address (default: VAULT_ADDR)')
    .option('--vault-token-file <path>', 'file holding the Vault token (default: VAULT_TOKEN)')
    .option('--platform <file>', 'platform.yaml (vault.kvMount, vault.authMount, token TTLs)')
    .option('--audit-file <path>', 'file the audit device writes, on the Vault server')
    .option('--audit-path <name>', 'name of the file audit device', 'file')
    .option('--name <role>', 'operator role and policy name', OPERATOR_POLICY)
    .action((flags: BootstrapFlags) =>
      printing('posture vault bootstrap', () => vaultBootstrap(flags)),
    );
}
