/**
 * Issue 12, item 2: every Vault role posture generates, proven by the login a pod makes. For
 * each Titan service rendered by the shared render, a TokenRequest token for its ServiceAccount
 * with audience `vault` logs in to its generated role and reads each path of every service:
 * exactly its declared paths are readable, every other one (and writes, and policies) is
 * denied; a token with the apiserver's default audience is refused. The matrix is printed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultRequestError, VaultUnavailableError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { testEnv } from '../support/env.ts';
import { serviceAccountToken } from '../support/kubernetes-auth.ts';
import { setUpTitanVault, type TitanVault } from '../support/titan-vault.ts';
import { rootVault } from '../support/tradingservice.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';

/** `read`, `written`, `denied` (403), `logged in`, `refused` (login answered 4xx), `unexpected: …`. */
type Outcome = string;

const denied = (error: unknown) => error instanceof VaultRequestError && error.status === 403;

/**
 * Vault's answer to one attempt. A 5xx is no answer about access (a dev server under a loaded CI
 * machine once said "500: internal error" to one read): asked again, up to three times.
 */
async function outcomeOf(
  attempt: () => Promise<unknown>,
  allowed: Outcome,
  tries = 3,
): Promise<Outcome> {
  try {
    await attempt();
    return allowed;
  } catch (error) {
    if (denied(error)) return 'denied';
    if (error instanceof VaultUnavailableError && tries > 1)
      return outcomeOf(attempt, allowed, tries - 1);
    return `unexpected: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The last refusal's answer, printed under the matrix. */
let refusal = '';

async function loginOutcome(attempt: () => Promise<unknown>): Promise<Outcome> {
  try {
    await attempt();
    return 'logged in';
  } catch (error) {
    if (error instanceof VaultRequestError) {
      refusal = error.message;
      return 'refused';
    }
    return `unexpected: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** The printed matrix: a row per path (or check), a column per service. */
function table(
  rows: Map<string, Map<string, Outcome>>,
  services: string[],
  shorten: (p: string) => string,
) {
  const width = Math.max(...[...rows.keys()].map((k) => shorten(k).length));
  const cell = (text: string) => text.padEnd(10);
  const lines = [`${'path \\ service'.padEnd(width)}  ${services.map(cell).join('')}`];
  for (const [path, outcomes] of rows) {
    const cells = services.map((s) => cell(outcomes.get(s) ?? ''));
    lines.push(`${shorten(path).padEnd(width)}  ${cells.join('')}`);
  }
  return lines.join('\n');
}

describe('every generated Vault role, proven by the login its pod makes', () => {
  let titan: TitanVault;
  let root: VaultAdapter;
  const actual = new Map<string, Map<string, Outcome>>();
  const expected = new Map<string, Map<string, Outcome>>();
  const record = (row: string, service: string, outcome: Outcome, want: Outcome) => {
    for (const [map, value] of [
      [actual, outcome],
      [expected, want],
    ] as const) {
      const cells = map.get(row) ?? new Map<string, Outcome>();
      cells.set(service, value);
      map.set(row, cells);
    }
  };

  before(async () => {
    root = rootVault();
    titan = await setUpTitanVault('matrix');
  });

  after(async () => {
    await titan?.remove();
  });

  async function loginAs(service: string, audience?: string) {
    const jwt = await serviceAccountToken(titan.namespace, service, audience ? { audience } : {});
    const role = titan.services.find((s) => s.app.app === service)!.access.role.name;
    return root.kubernetesLogin(titan.mount, role, jwt);
  }

  it('should let each service read exactly its declared paths and deny it the rest', async () => {
    const addr = testEnv().vault!.addr;
    const paths = [...titan.seeded.keys()].sort();
    const names = titan.services.map((s) => s.app.app);
    for (const { app, access } of titan.services) {
      const own = new Set(access.policy.rules.map((r) => r.path));
      const login = await loginAs(app.app, VAULT_AUDIENCE);
      assert.deepEqual([...login.policies].sort(), ['default', access.policy.name].sort());
      record('login, audience vault', app.app, 'logged in', 'logged in');
      const vault = new HttpVaultAdapter({ address: addr, token: staticToken(login.token) });
      for (const path of paths) {
        const outcome = await outcomeOf(async () => {
          const data = await vault.read(path);
          assert.deepEqual((data as { data?: unknown } | undefined)?.data, titan.seeded.get(path));
        }, 'read');
        record(path, app.app, outcome, own.has(path) ? 'read' : 'denied');
      }
      const first = access.policy.rules[0]!.path;
      const write = () => vault.write({ path: first, body: { data: { value: 'overwrite' } } });
      record('write its own first path', app.app, await outcomeOf(write, 'written'), 'denied');
      const policy = () => vault.readPolicy(access.policy.name);
      record('read its own policy', app.app, await outcomeOf(policy, 'read'), 'denied');
      const list = () => vault.read(`secret/metadata/?list=true`);
      record('list secret/metadata/', app.app, await outcomeOf(list, 'read'), 'denied');
      const defaultAudience = await loginOutcome(() => loginAs(app.app));
      record('login, default audience', app.app, defaultAudience, 'refused');
    }
    // Printed as the example names them: the test's namespace and paths carry a suffix.
    const shorten = (p: string) => p.replaceAll(titan.namespace, 'titan');
    const header = `Vault login matrix: Titan services (namespace ${titan.namespace}, shown as titan; role auth/${titan.mount}/role/posture-titan-<service>)`;
    console.log(`\n${header}\n${table(actual, names, shorten)}\nrefusal: ${refusal}\n`);
    assert.deepEqual(actual, expected);
  });
});
