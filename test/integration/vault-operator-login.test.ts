/**
 * Issue 12, item 2: the operator on its own Vault access. The policy `posture vault
 * operator-policy` renders and the role `posture vault operator-role` renders are written once
 * (bootstrap, root token); the operator then runs with `--vault-role` and a `vault`-audience
 * ServiceAccount token, logging in at the platform's auth mount, through a TradingService and
 * ExchangeCredential lifecycle (create → Ready → key ring and NKey rotations → delete, cleanup
 * cleanup), the credential's daily check reading the key to ask a fake Binance on loopback.
 * Vault's audit log shows no request of the operator denied and every rule of its policy used;
 * its token is denied what it must never do (any secret but an exchange key, and any write of
 * one).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exchangeCredentialController } from '../../src/controllers/exchangecredential/reconcile.ts';
import { tradingServiceController } from '../../src/controllers/tradingservice/reconcile.ts';
import { nkeyPath } from '../../src/controllers/tradingservice/vault.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { vaultRoleName } from '../../src/render/service/index.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultRequestError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { operatorPolicy } from '../../src/render/vault/operator-policy.ts';
import { testEnv } from '../support/env.ts';
import {
  OPERATOR_SERVICE_ACCOUNT,
  operatorVaultLogin,
  type OperatorVaultLogin,
} from '../support/operator-vault.ts';
import { mustKubectl, serviceAccountToken } from '../support/kubernetes-auth.ts';
import { isolationStatus } from '../../src/controllers/tradingservice/isolation-state.ts';
import {
  createTestNamespace,
  eventually,
  startTestOperator,
  testKubeClient,
  type TestOperator,
} from '../support/operator.ts';
import { installPostureCrds, isReady, rootVault } from '../support/tradingservice.ts';
import { EXCHANGE_CREDENTIAL } from '../../src/api/exchangecredential/kind.ts';
import { HMAC_KEY_RING } from '../../src/api/hmackeyring/kind.ts';
import { hmacKeyRingController } from '../../src/controllers/hmackeyring/reconcile.ts';
import { FakeExchange } from '../../src/exchanges/testing/fake-exchange.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import { VAULT_AUDIENCE } from '../../src/render/vault/policy.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

interface AuditEntry {
  type: 'request' | 'response';
  error?: string;
  auth?: { policies?: string[] };
  request?: { operation?: string; path?: string };
}

function trader(namespace: string) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name: 'trader', namespace },
    spec: {
      image: `ghcr.io/titan-platform/trader:v1@sha256:${'b'.repeat(64)}`,
      ports: [{ name: 'http', port: 8080 }],
      nats: { publish: ['titan.evt.trader.>'], subscribe: ['titan.cmd.trader.>'] },
      exchangeCredentials: ['binance'],
    },
  };
}

/** A ring with no members: its first key and one rotation exercise every HMAC rule. */
function keyRing(namespace: string) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'HmacKeyRing',
    metadata: { name: 'signals', namespace },
    spec: {
      vaultPath: `secret/${namespace}/hmac/signals`,
      rotationPeriod: '1h',
      gracePeriod: '1m',
    },
  };
}

function credential(namespace: string) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name: 'binance', namespace },
    spec: {
      exchange: 'binance',
      vaultPath: `secret/${namespace}/exchanges/binance`,
      permissions: { read: true, trade: true, withdraw: false },
      ipWhitelist: ['203.0.113.10/32'],
      consumers: ['trader'],
      maxKeyAge: '24h',
    },
  };
}

/** Whether a Vault ACL path (`a/b/*`, `a/posture-*`, `a/+/b/*`) covers a request path. */
function covers(rule: string, path: string): boolean {
  const pattern = rule
    .split('')
    .map((c, i) => {
      if (c === '+') return '[^/]+';
      if (c === '*' && i === rule.length - 1) return '.*';
      return c.replace(/[.*?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${pattern}$`).test(path);
}

/** The rule Vault applies to a path: an exact match, else the longest covering glob. */
function ruleFor<R extends { path: string }>(rules: readonly R[], path: string): R | undefined {
  const covering = rules.filter((r) => covers(r.path, path));
  return covering.sort(
    (a, b) => Number(b.path === path) - Number(a.path === path) || b.path.length - a.path.length,
  )[0];
}

const denied = (error: unknown) => error instanceof VaultRequestError && error.status === 403;

describe('the operator on its own Vault policy, logged in with --vault-role', () => {
  const id = randomBytes(3).toString('hex');
  const auditDevice = `posture-op-${id}`;
  const auditLog = join(scratchDir('posture-audit-'), 'audit.log');
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let operator: TestOperator | undefined;
  let root: VaultAdapter;
  let exchange: FakeExchange;

  before(async () => {
    root = rootVault();
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'vault-op');
    login = await operatorVaultLogin(namespace, { egressGateway: { ips: ['203.0.113.10'] } });
    // The policies of every audited request are in clear; the operator's name its policy.
    await root.write({
      path: `sys/audit/${auditDevice}`,
      body: { type: 'file', options: { file_path: auditLog } },
    });
    await root.kvWrite(`secret/${namespace}/exchanges/binance`, { apiKey: 'k', apiSecret: 's' });
    exchange = await FakeExchange.start();
    exchange.setKey('binance', { apiKey: 'k', apiSecret: 's', ips: ['203.0.113.10'] });
  });

  after(async () => {
    await operator?.stop();
    await exchange.stop();
    await root.delete(`sys/audit/${auditDevice}`);
    await root.kvDestroy(`secret/${namespace}/exchanges/binance`);
    await root.kvDestroy(`secret/${namespace}/hmac/signals`);
    await login.remove();
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should take a TradingService from create to Ready to a cleaned-up delete', async () => {
    operator = startTestOperator({
      namespace,
      podName: `vault-op-${id}`,
      register: [
        exchangeCredentialController(login.platform, { namespace }),
        hmacKeyRingController(login.platform, { namespace }),
        tradingServiceController(login.platform, { namespace }),
      ],
      vault: login,
      flags: exchange.flags(),
    });
    await admin.create(HMAC_KEY_RING, keyRing(namespace));
    await admin.create(EXCHANGE_CREDENTIAL, credential(namespace));
    await admin.create(TRADING_SERVICE, trader(namespace));
    const ref = { namespace, name: 'trader' };
    for (const resource of [TRADING_SERVICE, EXCHANGE_CREDENTIAL]) {
      const name = resource === TRADING_SERVICE ? 'trader' : 'binance';
      await eventually(
        `${resource.kind} Ready`,
        async () => isReady(await admin.get(resource, { name, namespace })) || undefined,
        60_000,
      );
    }
    assert.equal(exchange.count('binance'), 1, 'the key was read and the exchange asked');
    const name = vaultRoleName(ref);
    const rolePath = `auth/${login.platform.vault.authMount}/role/${name}`;
    const policy = await root.readPolicy(name);
    assert.ok(policy, 'the operator wrote the policy');
    const role = await root.read(rolePath);
    assert.ok(role, 'and the role');
    assert.ok(await root.kvRead(nkeyPath(login.platform, ref)), 'and the NKey seed');
    // Someone edits the role and the policy in Vault: the next reconcile puts them back.
    await root.write({ path: rolePath, body: { token_ttl: '5m' } });
    await root.writePolicy(name, 'path "secret/data/elsewhere" { capabilities = ["read"] }\n');
    await mustKubectl([
      '-n',
      namespace,
      'annotate',
      'tradingservice',
      'trader',
      `posture.test/poke=${id}`,
    ]);
    await eventually(
      'the role and policy repaired',
      async () => {
        const live = await root.read(rolePath);
        const same = live?.token_ttl === role.token_ttl && (await root.readPolicy(name)) === policy;
        return same || undefined;
      },
      60_000,
    );
    // A rotation: the ring's next version is an update of the path its first key created.
    await mustKubectl([
      '-n',
      namespace,
      'annotate',
      'hmackeyring',
      'signals',
      `posture.dev/rotate=${id}`,
    ]);
    await eventually(
      'the ring rotated',
      async () => {
        const ring = await admin.get<{ metadata: object; status?: { listenerVersion?: number } }>(
          HMAC_KEY_RING,
          { name: 'signals', namespace },
        );
        return (ring?.status?.listenerVersion ?? 0) >= 2 || undefined;
      },
      60_000,
    );
    // An NKey rotation: the seed's next version is an update of the path its first seed created.
    await mustKubectl([
      '-n',
      namespace,
      'annotate',
      'tradingservice',
      'trader',
      `posture.dev/rotate-nkey=${id}`,
    ]);
    await eventually(
      'the NKey rotated',
      async () => {
        const ts = await admin.get<{ metadata: object; status?: { nkeyVersion?: number } }>(
          TRADING_SERVICE,
          { name: 'trader', namespace },
        );
        return (ts?.status?.nkeyVersion ?? 0) >= 2 || undefined;
      },
      60_000,
    );
    // Isolation: the trader's token is found by accessor and revoked, then everything released.
    const jwt = await serviceAccountToken(namespace, 'trader', { audience: VAULT_AUDIENCE });
    const traderToken = await root.kubernetesLogin(login.platform.vault.authMount, name, jwt);
    await mustKubectl(['label', 'namespace', namespace, 'posture.dev/isolation=isolated']);
    const state = async () =>
      isolationStatus(await admin.get(RESOURCES.namespace, { name: namespace }))?.state;
    await eventually('isolated', async () => (await state()) === 'isolated' || undefined, 60_000);
    assert.equal(await root.lookupAccessor(traderToken.accessor).catch(() => undefined), undefined);
    await mustKubectl(['label', 'namespace', namespace, 'posture.dev/isolation-']);
    await eventually('released', async () => (await state()) === 'released' || undefined, 60_000);
    await admin.delete(TRADING_SERVICE, { name: 'trader', namespace });
    // No finalizer (docs/adr/0063): the CR goes at once, and the operator's cleanup follows.
    await eventually(
      'the cleanup to finish',
      async () => ((await root.kvRead(nkeyPath(login.platform, ref))) ? undefined : true),
      60_000,
    );
    assert.equal(await root.readPolicy(name), undefined, 'policy removed');
    assert.equal(await root.read(`auth/${login.platform.vault.authMount}/role/${name}`), undefined);
    assert.equal(await root.kvRead(nkeyPath(login.platform, ref)), undefined, 'NKey destroyed');
    await operator.stop();
    operator = undefined;
  });

  it("should show in Vault's audit log no denied request and every capability of its policy used", () => {
    const entries = readFileSync(auditLog, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as AuditEntry)
      .filter((e) => e.type === 'response' && (e.auth?.policies ?? []).includes(login.role));
    assert.ok(entries.length > 0, 'the operator made requests with its own token');
    const used = new Map<string, number>();
    for (const e of entries) {
      const key = `${e.request?.operation ?? '?'} ${e.request?.path ?? '?'}`;
      used.set(key, (used.get(key) ?? 0) + 1);
    }
    const lines = [...used].sort().map(([k, n]) => `  ${String(n).padStart(4)}  ${k}`);
    console.log(
      `\nVault requests of the operator (token policies [${login.role}]):\n${lines.join('\n')}\n`,
    );
    const failures = entries.filter((e) => /permission denied/.test(e.error ?? ''));
    assert.deepEqual(
      failures.map((e) => `${e.request?.operation} ${e.request?.path}`),
      [],
    );
    const rules = operatorPolicy(login.platform, { name: login.role }).rules;
    const unused: string[] = [];
    for (const rule of rules.filter((r) => !r.capabilities.includes('deny'))) {
      for (const capability of rule.capabilities) {
        // sudo is no operation of its own: it is used when a request on a sudo path succeeded.
        const hit = entries.some(
          (e) =>
            (capability === 'sudo' || e.request?.operation === capability) &&
            ruleFor(rules, (e.request?.path ?? '').replace(/\/$/, '')) === rule,
        );
        if (!hit) unused.push(`${capability} on ${rule.path} (${rule.reason})`);
      }
    }
    assert.deepEqual(unused, [], 'every capability the policy grants was used');
  });

  it('should deny the operator token what it must never do', async () => {
    const jwt = await serviceAccountToken(namespace, OPERATOR_SERVICE_ACCOUNT, {
      audience: VAULT_AUDIENCE,
    });
    const session = await root.kubernetesLogin(login.platform.vault.authMount, login.role, jwt);
    assert.deepEqual(session.policies, [login.role], 'its policy only, not even default');
    const vault = new HttpVaultAdapter({
      address: testEnv().vault!.addr,
      token: staticToken(session.token),
    });
    const mount = login.platform.vault.authMount;
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['read a service secret', () => vault.kvRead(`secret/${namespace}/trader/db`)],
      [
        "read another namespace's secret",
        () => vault.kvRead(`secret/${namespace}-other/trader/db`),
      ],
      [
        'write an exchange key',
        () =>
          vault.kvWrite(`secret/${namespace}/exchanges/binance`, { apiKey: 'x', apiSecret: 'y' }),
      ],
      ['read another prefix', () => vault.read('secret/data/elsewhere/x')],
      [
        'enable an auth method',
        () => vault.write({ path: `sys/auth/x-${id}`, body: { type: 'userpass' } }),
      ],
      [
        'rewrite its own policy',
        () => vault.writePolicy(login.role, 'path "*" { capabilities = ["sudo"] }'),
      ],
      [
        'rewrite its own role',
        () => vault.write({ path: `auth/${mount}/role/${login.role}`, body: {} }),
      ],
      ['write a policy outside posture-*', () => vault.writePolicy(`other-${id}`, '')],
      [
        'write a role at another mount',
        () => vault.write({ path: `auth/kubernetes/role/posture-x-${id}`, body: {} }),
      ],
      ['destroy an exchange key', () => vault.kvDestroy(`secret/${namespace}/exchanges/binance`)],
      ['create a token', () => vault.write({ path: 'auth/token/create', body: {} })],
    ];
    const outcomes: string[] = [];
    for (const [what, attempt] of attempts) {
      await assert.rejects(attempt(), denied, what);
      outcomes.push(`  denied  ${what}`);
    }
    console.log(`\nThe operator token (policies [${login.role}]):\n${outcomes.join('\n')}\n`);
  });
});
