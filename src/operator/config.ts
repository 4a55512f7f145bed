import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

const int = (min: number, max: number) =>
  z.preprocess(
    (v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v),
    z.int().min(min).max(max),
  );
const bool = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const OperatorConfigSchema = z.strictObject({
  /** Reconciles that run at once, per controller. */
  workers: int(1, 64).default(4),
  /** Every cached object is reconciled again this often; a no-op resync writes nothing. */
  resyncPeriodSeconds: int(10, 86_400).default(600),
  /** A watch that sends nothing (no event, no bookmark) for this long is restarted. */
  stallTimeoutSeconds: int(1, 600).default(60),
  leaderElection: z
    .strictObject({
      enabled: bool.default(true),
      namespace: z.string().min(1).default('posture-system'),
      name: z.string().min(1).default('posture-operator'),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      port: int(0, 65_535).default(8080),
      host: z.string().min(1).default('0.0.0.0'),
    })
    .prefault({}),
  // Absent `vault` is validated as {} so the error names vault.address, the missing field.
  vault: z.preprocess(
    (v) => v ?? {},
    z
      .strictObject({
        address: z.url({ protocol: /^https?$/ }),
        /** A Vault token read from this file (re-read on every login). */
        tokenFile: z.string().min(1).optional(),
        /** Or: log in with Kubernetes auth under this role with the pod's ServiceAccount token. */
        role: z.string().min(1).optional(),
        /**
         * The ServiceAccount token that login presents; a projected token for audience `vault`
         * when the role requires it (`posture vault operator-role`).
         * @default the pod's token, /var/run/secrets/kubernetes.io/serviceaccount/token
         */
        jwtFile: z.string().min(1).optional(),
        timeoutMs: int(100, 120_000).default(5_000),
      })
      .refine((vault) => vault.tokenFile !== undefined || vault.role !== undefined, {
        message: 'set vault.tokenFile (--vault-token-file) or vault.role (--vault-role)',
      }),
  ),
  /** Path of a kubeconfig; in a pod, the in-cluster configuration is used when absent. */
  kubeconfig: z.string().min(1).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;

interface Setting {
  flag: string;
  env: string[];
  path: string[];
}

/** Every flag, the environment variables it may come from, and where it goes. */
export const SETTINGS: readonly Setting[] = [
  { flag: 'workers', env: ['POSTURE_WORKERS'], path: ['workers'] },
  { flag: 'resync-period', env: ['POSTURE_RESYNC_PERIOD_SECONDS'], path: ['resyncPeriodSeconds'] },
  { flag: 'stall-timeout', env: ['POSTURE_STALL_TIMEOUT_SECONDS'], path: ['stallTimeoutSeconds'] },
  { flag: 'leader-elect', env: ['POSTURE_LEADER_ELECT'], path: ['leaderElection', 'enabled'] },
  {
    flag: 'lease-namespace',
    env: ['POSTURE_LEASE_NAMESPACE'],
    path: ['leaderElection', 'namespace'],
  },
  { flag: 'lease-name', env: ['POSTURE_LEASE_NAME'], path: ['leaderElection', 'name'] },
  { flag: 'metrics-port', env: ['POSTURE_METRICS_PORT'], path: ['metrics', 'port'] },
  { flag: 'metrics-host', env: ['POSTURE_METRICS_HOST'], path: ['metrics', 'host'] },
  { flag: 'vault-addr', env: ['POSTURE_VAULT_ADDR', 'VAULT_ADDR'], path: ['vault', 'address'] },
  { flag: 'vault-token-file', env: ['POSTURE_VAULT_TOKEN_FILE'], path: ['vault', 'tokenFile'] },
  { flag: 'vault-role', env: ['POSTURE_VAULT_ROLE'], path: ['vault', 'role'] },
  { flag: 'vault-jwt-file', env: ['POSTURE_VAULT_JWT_FILE'], path: ['vault', 'jwtFile'] },
  { flag: 'vault-timeout-ms', env: ['POSTURE_VAULT_TIMEOUT_MS'], path: ['vault', 'timeoutMs'] },
  { flag: 'kubeconfig', env: ['KUBECONFIG'], path: ['kubeconfig'] },
  { flag: 'log-level', env: ['POSTURE_LOG_LEVEL'], path: ['logLevel'] },
];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Tree;
  }
  node[path.at(-1)!] = value;
}

function readFile(file: string): Tree {
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError(`configuration file ${file}: ${(error as Error).message}`);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`configuration file ${file}: expected a mapping of settings`);
  }
  return parsed as Tree;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String);
  const setting = SETTINGS.find((s) => s.path.join('.') === path.join('.'));
  const where = setting ? ` (flag --${setting.flag}, env ${setting.env.join(' or ')})` : '';
  return `${path.join('.') || '(root)'}${where}: ${issue.message}`;
}

export interface ConfigSources {
  argv?: string[];
  env?: Record<string, string | undefined>;
}

function parseFlags(argv: string[]): Record<string, string | undefined> {
  const names = [...SETTINGS.map((s) => s.flag), 'config'];
  const options = Object.fromEntries(names.map((flag) => [flag, { type: 'string' as const }]));
  try {
    return parseArgs({ args: argv, options, strict: true }).values;
  } catch (error) {
    throw new ConfigError(`invalid flags: ${(error as Error).message}`);
  }
}

function overlay(
  tree: Tree,
  flags: Record<string, string | undefined>,
  env: ConfigSources['env'] = {},
): void {
  for (const setting of SETTINGS) {
    const fromEnv = setting.env
      .map((name) => env[name])
      .find((value) => value !== undefined && value !== '');
    const value = flags[setting.flag] ?? fromEnv;
    if (value !== undefined) setPath(tree, setting.path, value);
  }
}

/**
 * Configuration from, in rising precedence: defaults, the YAML/JSON file named by
 * --config (or POSTURE_CONFIG), environment variables, flags. Throws a ConfigError that
 * names each bad field and where it can be set.
 */
export function loadConfig(sources: ConfigSources = {}): OperatorConfig {
  const env = sources.env ?? process.env;
  const flags = parseFlags(sources.argv ?? []);
  const file = flags.config ?? env.POSTURE_CONFIG;
  const tree: Tree = file ? readFile(file) : {};
  overlay(tree, flags, env);
  const result = OperatorConfigSchema.safeParse(tree);
  if (!result.success) {
    throw new ConfigError(
      `invalid operator configuration:\n  ${result.error.issues.map(describeIssue).join('\n  ')}`,
    );
  }
  return result.data;
}
