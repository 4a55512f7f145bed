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

const ENTRY = 'use <exchange>=<url>, such as binance=https://api.binance.com';

/** `name=url` entries (flags, or one comma-separated env value) as a mapping; a file gives one. */
function entries(value: unknown, ctx: z.core.$RefinementCtx): unknown {
  const list = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(list)) return value;
  const pairs = list.map((entry) => /^([^=]*)=(.*)$/s.exec(String(entry).trim()));
  if (pairs.some((pair) => !pair)) ctx.addIssue({ code: 'custom', message: ENTRY, input: value });
  return Object.fromEntries(pairs.map((pair) => [pair?.[1] ?? '', pair?.[2] ?? '']));
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** An exchange API base: https, or plain http only to this machine (a test or dev stand-in). */
const exchangeEndpoint = z.url({ protocol: /^https?$/ }).refine((url) => {
  const { protocol, hostname } = new URL(url);
  return protocol === 'https:' || LOOPBACK.has(hostname);
}, 'use an https:// URL, or http:// only on loopback (127.0.0.1, [::1], localhost)');

export const OperatorConfigSchema = z.strictObject({
  /** Reconciles that run at once, per controller. */
  workers: int(1, 64).default(4),
  /** Every cached object is reconciled again this often; a no-op resync writes nothing. */
  resyncPeriodSeconds: int(10, 86_400).default(600),
  /** A watch that sends nothing (no event, no bookmark) for this long is restarted. */
  stallTimeoutSeconds: int(1, 600).default(60),
  /**
   * How far V8 lets the heap grow past what the last full collection kept, in percent; 0 keeps
   * V8's own factor (up to 300 %, which at rest held 3 times the live objects). docs/adr/0064.
   */
  heapGrowingPercent: int(0, 300).default(50),
  /**
   * Seconds without work after which the operator runs one memory-reducing collection, if the
   * heap grew since the last one; 0 never does. docs/adr/0066.
   */
  idleGcSeconds: int(0, 3600).default(10),
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
  /** Asking exchanges about ExchangeCredential keys (docs/adr/0044). */
  exchange: z
    .strictObject({
      /** Base URL by exchange instead of its real API host: `binance=http://127.0.0.1:8081`. */
      endpoints: z
        .preprocess(
          entries,
          z.record(
            z
              .string()
              .regex(/^[a-z][a-z0-9-]*$/, 'use <exchange>=<url>, such as binance=https://...'),
            exchangeEndpoint,
          ),
        )
        .default({}),
      /** Deadline of one call to an exchange, connection and answer included. */
      timeoutMs: int(100, 60_000).default(10_000),
      /** How long an exchange's answer about a key stands before it is asked again. */
      checkIntervalSeconds: int(60, 604_800).default(86_400),
    })
    .prefault({}),
  /** The alert webhook (POST /v1/isolate), off unless a port is given (docs/adr/0047). */
  webhook: z
    .strictObject({
      port: int(0, 65_535).optional(),
      host: z.string().min(1).default('0.0.0.0'),
      /** The HMAC key ring (the JSON file Vault Agent renders) alerts are signed with. */
      keyFile: z.string().min(1).optional(),
      tlsCertFile: z.string().min(1).optional(),
      tlsKeyFile: z.string().min(1).optional(),
      /** Where the audit lines go (appended); stdout when absent. */
      auditFile: z.string().min(1).optional(),
    })
    .refine((w) => w.port === undefined || w.keyFile !== undefined, {
      message: 'the webhook needs --webhook-key-file, the HMAC key ring alerts are signed with',
    })
    .refine((w) => (w.tlsCertFile === undefined) === (w.tlsKeyFile === undefined), {
      message: 'give both --webhook-tls-cert-file and --webhook-tls-key-file, or neither',
    })
    .prefault({}),
  /** Path of a kubeconfig; in a pod, the in-cluster configuration is used when absent. */
  kubeconfig: z.string().min(1).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

export type OperatorConfig = z.infer<typeof OperatorConfigSchema>;

interface Setting {
  flag: string;
  env: string[];
  path: string[];
  /** The flag may be given again for more entries; the env value is a comma-separated list. */
  multiple?: boolean;
}

/** Every flag, the environment variables it may come from, and where it goes. */
export const SETTINGS: readonly Setting[] = [
  { flag: 'workers', env: ['POSTURE_WORKERS'], path: ['workers'] },
  { flag: 'resync-period', env: ['POSTURE_RESYNC_PERIOD_SECONDS'], path: ['resyncPeriodSeconds'] },
  { flag: 'stall-timeout', env: ['POSTURE_STALL_TIMEOUT_SECONDS'], path: ['stallTimeoutSeconds'] },
  {
    flag: 'heap-growing-percent',
    env: ['POSTURE_HEAP_GROWING_PERCENT'],
    path: ['heapGrowingPercent'],
  },
  { flag: 'idle-gc-seconds', env: ['POSTURE_IDLE_GC_SECONDS'], path: ['idleGcSeconds'] },
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
  {
    flag: 'exchange-endpoint',
    env: ['POSTURE_EXCHANGE_ENDPOINTS'],
    path: ['exchange', 'endpoints'],
    multiple: true,
  },
  {
    flag: 'exchange-timeout-ms',
    env: ['POSTURE_EXCHANGE_TIMEOUT_MS'],
    path: ['exchange', 'timeoutMs'],
  },
  {
    flag: 'exchange-check-interval',
    env: ['POSTURE_EXCHANGE_CHECK_INTERVAL_SECONDS'],
    path: ['exchange', 'checkIntervalSeconds'],
  },
  { flag: 'webhook-port', env: ['POSTURE_WEBHOOK_PORT'], path: ['webhook', 'port'] },
  { flag: 'webhook-host', env: ['POSTURE_WEBHOOK_HOST'], path: ['webhook', 'host'] },
  { flag: 'webhook-key-file', env: ['POSTURE_WEBHOOK_KEY_FILE'], path: ['webhook', 'keyFile'] },
  {
    flag: 'webhook-tls-cert-file',
    env: ['POSTURE_WEBHOOK_TLS_CERT_FILE'],
    path: ['webhook', 'tlsCertFile'],
  },
  {
    flag: 'webhook-tls-key-file',
    env: ['POSTURE_WEBHOOK_TLS_KEY_FILE'],
    path: ['webhook', 'tlsKeyFile'],
  },
  {
    flag: 'webhook-audit-file',
    env: ['POSTURE_WEBHOOK_AUDIT_FILE'],
    path: ['webhook', 'auditFile'],
  },
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
  // A setting's path, or a path inside it (exchange.endpoints.binance).
  const setting = SETTINGS.find((s) => s.path.join('.') === path.slice(0, s.path.length).join('.'));
  const where = setting ? ` (flag --${setting.flag}, env ${setting.env.join(' or ')})` : '';
  return `${path.join('.') || '(root)'}${where}: ${issue.message}`;
}

export interface ConfigSources {
  argv?: string[];
  env?: Record<string, string | undefined>;
}

type Flags = Record<string, string | string[] | undefined>;

function parseFlags(argv: string[]): Flags {
  const options: Record<string, { type: 'string'; multiple: boolean }> = {
    config: { type: 'string', multiple: false },
  };
  for (const s of SETTINGS) options[s.flag] = { type: 'string', multiple: s.multiple ?? false };
  try {
    return parseArgs({ args: argv, options, strict: true }).values;
  } catch (error) {
    throw new ConfigError(`invalid flags: ${(error as Error).message}`);
  }
}

function overlay(tree: Tree, flags: Flags, env: ConfigSources['env'] = {}): void {
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
  const file = (flags.config as string | undefined) ?? env.POSTURE_CONFIG;
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
