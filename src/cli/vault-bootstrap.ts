import type { VaultAdapter } from '../vault/adapter.ts';
import type { BootstrapPlan, Mount } from '../render/vault/bootstrap.ts';

/**
 * Applies a BootstrapPlan to a live Vault, idempotently: each item is read first and written only
 * when it is missing or differs, so a second run changes nothing and says so. A mount, auth
 * method or audit device that exists with another type or options is refused, never replaced:
 * disabling one destroys its data (a KV mount's secrets, an auth method's roles).
 */

export type Outcome = 'created' | 'updated' | 'unchanged';

export interface Step {
  /** e.g. `auth kubernetes/`, `policy posture-operator`. */
  item: string;
  outcome: Outcome;
}

export class BootstrapConflict extends Error {
  override name = 'BootstrapConflict';
}

type Table = Record<string, { type?: string; options?: Record<string, unknown> | null }>;

/** `sys/auth`, `sys/mounts` and `sys/audit` key their entries with a trailing slash. */
const key = (path: string): string => `${path.replace(/\/+$/, '')}/`;

function sameOptions(want: Record<string, string>, have: Record<string, unknown> | null = {}) {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

async function ensureMounts(
  vault: VaultAdapter,
  table: 'sys/auth' | 'sys/mounts' | 'sys/audit',
  label: string,
  mounts: Mount[],
): Promise<Step[]> {
  if (mounts.length === 0) return [];
  const existing = ((await vault.read(table)) ?? {}) as Table;
  const steps: Step[] = [];
  for (const mount of mounts) {
    const item = `${label} ${key(mount.path)}`;
    const have = existing[key(mount.path)];
    if (have) {
      if (have.type !== mount.type || !sameOptions(mount.options, have.options)) {
        throw new BootstrapConflict(
          `${item} exists as ${have.type} ${JSON.stringify(have.options ?? {})}, not ${mount.type} ` +
            `${JSON.stringify(mount.options)}: change or remove it by hand (disabling it deletes what it holds)`,
        );
      }
      steps.push({ item, outcome: 'unchanged' });
      continue;
    }
    const body: Record<string, unknown> = { type: mount.type };
    if (Object.keys(mount.options).length > 0) body.options = mount.options;
    await vault.write({ path: `${table}/${mount.path}`, body });
    steps.push({ item, outcome: 'created' });
  }
  return steps;
}

/** `1h` → 3600; Vault answers durations in seconds. */
function seconds(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const match = /^(\d+)(s|m|h)$/.exec(value);
  if (!match) return value;
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

const normal = (value: unknown): string =>
  JSON.stringify(
    Array.isArray(value) ? [...(value as unknown[])].map(String).sort() : seconds(value),
  );

/** Whether every field posture sets reads back the same (Vault adds fields of its own). */
function differs(want: Record<string, unknown>, have: Record<string, unknown>): boolean {
  return Object.entries(want).some(([k, v]) => normal(v) !== normal(have[k]));
}

interface Desired {
  item: string;
  path: string;
  body: Record<string, unknown>;
  /** Whether what Vault has already matches. @default every field of body reads back the same */
  same?: (have: Record<string, unknown>) => boolean;
}

async function ensureWrite(vault: VaultAdapter, desired: Desired): Promise<Step> {
  const { item, path, body } = desired;
  const same = desired.same ?? ((have) => !differs(body, have));
  const have = await vault.read(path);
  if (have && same(have)) return { item, outcome: 'unchanged' };
  await vault.write({ path, body });
  return { item, outcome: have ? 'updated' : 'created' };
}

export async function applyBootstrap(vault: VaultAdapter, plan: BootstrapPlan): Promise<Step[]> {
  const steps = [
    ...(await ensureMounts(vault, 'sys/auth', 'auth', plan.auth)),
    ...(await ensureMounts(vault, 'sys/mounts', 'secrets', plan.secrets)),
    ...(await ensureMounts(vault, 'sys/audit', 'audit', plan.audit)),
  ];
  const { mount, host, caCert } = plan.kubernetesConfig;
  const config = { kubernetes_host: host, kubernetes_ca_cert: caCert, disable_local_ca_jwt: true };
  // Vault keeps the PEM as given; a trailing newline is not a change worth a write.
  const pem = (value: unknown): string => (typeof value === 'string' ? value.trim() : '');
  const same = (have: Record<string, unknown>): boolean =>
    have.kubernetes_host === host &&
    have.disable_local_ca_jwt === true &&
    pem(have.kubernetes_ca_cert) === pem(caCert);
  steps.push(
    await ensureWrite(vault, {
      item: `config auth/${mount}`,
      path: `auth/${mount}/config`,
      body: config,
      same,
    }),
  );
  for (const policy of plan.policies) {
    const item = `policy ${policy.name}`;
    const have = await vault.readPolicy(policy.name);
    if (have === policy.hcl) {
      steps.push({ item, outcome: 'unchanged' });
      continue;
    }
    await vault.writePolicy(policy.name, policy.hcl);
    steps.push({ item, outcome: have === undefined ? 'created' : 'updated' });
  }
  for (const role of plan.roles) {
    const path = `auth/${role.mount}/role/${role.name}`;
    steps.push(await ensureWrite(vault, { item: `role ${path}`, path, body: role.body }));
  }
  return steps;
}

/** One line per item, then whether anything changed. */
export function bootstrapReport(steps: Step[]): string {
  const lines = steps.map((s) => `${s.outcome.padEnd(9)} ${s.item}`);
  const changed = steps.filter((s) => s.outcome !== 'unchanged').length;
  lines.push(
    changed === 0
      ? 'nothing to change: Vault already matches the plan'
      : `${changed} of ${steps.length} changed`,
  );
  return `${lines.join('\n')}\n`;
}
