import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlatformDir } from '../../gitops/source.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import type { Platform } from '../../api/platform/settings.ts';
import type { ExchangeCredential, HmacKeyRing, TradingService } from '../../api/index.ts';
import { decideTradingService, type TradingServiceSnapshot } from './decide.ts';

/**
 * Every direction of change, through the pure decide: what a withdrawal takes away is gone from
 * the decision at once (Vault policy, secret files, egress, ingress), what is still granted
 * stays, Degraded names what is missing, and a grant not yet given by every side is not given
 * at all (docs/adr/0038-revocation-within-one-reconcile.md).
 */

const titan = readPlatformDir('examples/titan');
const services = titan.resources.tradingServices.map((s) => s.object);
const credentials = titan.resources.exchangeCredentials.map((s) => s.object);
const keyRings = titan.resources.hmacKeyRings.map((s) => s.object);
const named = <T extends { metadata: { name: string } }>(list: T[], name: string) =>
  list.find((o) => o.metadata.name === name)!;
const asObject = (o: TradingService) =>
  ({ ...(o as unknown as KubeObject), metadata: { ...o.metadata, uid: 'u-1' } }) as KubeObject;

type World = {
  services: TradingService[];
  credentials: ExchangeCredential[];
  keyRings: HmacKeyRing[];
  /** The platform settings; the bundled ones unless a case changes them. */
  platform?: Platform;
};
const world = (): World => ({ services, credentials, keyRings });

function decide(name: string, w: World) {
  const snapshot: TradingServiceSnapshot = {
    object: asObject(named(w.services, name)),
    ...w,
    platform: w.platform ?? titan.platform,
    vault: { state: 'reachable', nkey: { version: 1, publicKey: 'UEXAMPLE' } },
  };
  return decideTradingService(snapshot);
}

type Spec = Record<string, unknown>;
const kindOf = (o: KubeObject) => (o as { kind?: string }).kind;
const specOf = (objects: KubeObject[], kind: string) =>
  (objects.find((o) => kindOf(o) === kind) as { spec?: Spec } | undefined)?.spec ?? {};

const matches = (value: unknown, pattern: RegExp) =>
  [...JSON.stringify(value ?? []).matchAll(pattern)].map((m) => m[1] ?? '');

/** Everything a decision grants, flattened to comparable strings. */
function grants(name: string, w: World): Set<string> {
  const d = decide(name, w);
  const template = specOf(d.objects, 'Deployment').template as { metadata?: Spec } | undefined;
  const annotations = (template?.metadata?.annotations ?? {}) as Record<string, string>;
  const files = Object.entries(annotations)
    .filter(([key]) => key.startsWith('vault.hashicorp.com/agent-inject-secret-'))
    .map(([, value]) => `file:${value}`);
  const cnp = specOf(d.objects, 'CiliumNetworkPolicy');
  return new Set([
    ...(d.access?.policy.rules ?? []).map((rule) => `vault:${rule.path}`),
    ...files,
    ...matches(cnp.egress, /"matchName":"([^"]+)"/g).map((n) => `fqdn:${n}`),
    ...matches(cnp.ingress, /"app.kubernetes.io\/name":"([^"]+)"/g).map((n) => `from:${n}`),
  ]);
}

const condition = (name: string, w: World, type: string) =>
  decide(name, w).conditions.find((c) => c.type === type);

const withCredential = (
  name: string,
  change: (c: ExchangeCredential) => ExchangeCredential | undefined,
): World => ({
  ...world(),
  credentials: credentials.flatMap((c) =>
    c.metadata.name === name ? [change(c)].filter((x) => x !== undefined) : [c],
  ),
});
const withRing = (change: (r: HmacKeyRing) => HmacKeyRing | undefined): World => ({
  ...world(),
  keyRings: keyRings.flatMap((r) => [change(r)].filter((x) => x !== undefined)),
});
const withService = (name: string, change: (s: TradingService) => TradingService): World => ({
  ...world(),
  services: services.map((s) => (s.metadata.name === name ? change(s) : s)),
});

const BINANCE = 'secret/data/titan/exchanges/binance';
const HMAC = 'secret/data/titan/hmac/command-signals';

interface Case {
  name: string;
  service: string;
  world: World;
  gone: string[];
  kept: string[];
  /** The condition that must say what is missing or refused; none: the service is Ready. */
  reports?: 'Degraded' | 'Forbidden';
}

const cases: Case[] = [
  {
    name: 'should revoke the key file, policy path and exchange egress when a credential drops the service from consumers',
    service: 'execution',
    world: withCredential('binance', (c) => ({ ...c, spec: { ...c.spec, consumers: [] } })),
    gone: [`vault:${BINANCE}`, `file:${BINANCE}`, 'fqdn:api.binance.com'],
    kept: ['vault:secret/data/titan/exchanges/bybit', `vault:${HMAC}`, 'fqdn:api.bybit.com'],
    reports: 'Degraded',
  },
  {
    name: 'should revoke everything the credential gave when the credential is deleted',
    service: 'execution',
    world: withCredential('binance', () => undefined),
    gone: [`vault:${BINANCE}`, `file:${BINANCE}`, 'fqdn:api.binance.com'],
    kept: ['vault:secret/data/titan/exchanges/gemini', 'fqdn:api.gemini.com'],
    reports: 'Degraded',
  },
  {
    name: 'should revoke the listener key when the key ring drops the service from listeners',
    service: 'execution',
    world: withRing((r) => ({ ...r, spec: { ...r.spec, listeners: ['sentinel'] } })),
    gone: [`vault:${HMAC}`, `file:${HMAC}`],
    kept: [`vault:${BINANCE}`],
    reports: 'Degraded',
  },
  {
    name: 'should revoke the signer key when the key ring is deleted',
    service: 'brain',
    world: withRing(() => undefined),
    gone: [`vault:${HMAC}`, `file:${HMAC}`],
    kept: ['vault:secret/data/titan/brain/postgres'],
    reports: 'Degraded',
  },
  {
    name: 'should close ingress from a peer the service stops allowing',
    service: 'execution',
    world: withService('execution', (s) => ({
      ...s,
      spec: { ...s.spec, ingress: s.spec.ingress.filter((p) => p.service !== 'console') },
    })),
    gone: ['from:console'],
    kept: ['from:sentinel', `vault:${BINANCE}`],
  },
  {
    name: 'should close ingress from a workload the service stops naming',
    service: 'console',
    world: withService('console', (s) => ({ ...s, spec: { ...s.spec, ingress: [] } })),
    gone: ['from:ingress-nginx'],
    kept: ['vault:secret/data/titan/console/session'],
  },
  {
    name: 'should close every metrics port to the monitoring pods the platform no longer names',
    service: 'execution',
    world: { ...world(), platform: { ...titan.platform, monitoring: undefined } },
    gone: ['from:prometheus'],
    kept: ['from:console', `vault:${BINANCE}`],
  },
  {
    name: 'should drop the file and policy path of a secret entry the service removes',
    service: 'brain',
    world: withService('brain', (s) => ({ ...s, spec: { ...s.spec, secrets: [] } })),
    gone: ['vault:secret/data/titan/brain/postgres', 'file:secret/data/titan/brain/postgres'],
    kept: [`vault:${HMAC}`],
  },
  {
    name: "should refuse a plain secret naming a credential's path and grant nothing of it",
    service: 'brain',
    world: withService('brain', (s) => ({
      ...s,
      spec: {
        ...s.spec,
        secrets: [
          ...s.spec.secrets,
          {
            name: 'STOLEN',
            file: 'stolen',
            key: 'apiKey',
            vaultPath: 'secret/titan/exchanges/binance',
          },
        ],
      },
    })),
    gone: [`vault:${BINANCE}`, `file:${BINANCE}`],
    kept: ['vault:secret/data/titan/brain/postgres', `vault:${HMAC}`],
    reports: 'Forbidden',
  },
];

describe('TradingService decide: revocation within one reconcile', () => {
  for (const c of cases) {
    it(c.name, () => {
      const before = grants(c.service, world());
      const after = grants(c.service, c.world);
      for (const g of c.kept) {
        assert.ok(before.has(g), `precondition: ${g} granted before`);
        assert.ok(after.has(g), `${g} still granted`);
      }
      for (const g of c.gone) assert.ok(!after.has(g), `${g} revoked`);
      const ready = condition(c.service, c.world, 'Ready')?.status;
      if (!c.reports) return assert.equal(ready, 'True', 'its own change leaves nothing missing');
      assert.equal(condition(c.service, c.world, c.reports)?.status, 'True', c.reports);
      assert.equal(ready, 'False');
    });
  }

  it('should give a new credential nothing until the credential lists the service, then all of it', () => {
    const asks = withService('brain', (s) => ({
      ...s,
      spec: { ...s.spec, exchangeCredentials: ['binance'] },
    }));
    const waiting = grants('brain', asks);
    for (const g of [`vault:${BINANCE}`, `file:${BINANCE}`, 'fqdn:api.binance.com'])
      assert.ok(!waiting.has(g), `${g} waits for the credential`);
    assert.equal(condition('brain', asks, 'Degraded')?.status, 'True');
    const agreed: World = {
      ...asks,
      credentials: asks.credentials.map((c) =>
        c.metadata.name === 'binance'
          ? { ...c, spec: { ...c.spec, consumers: ['execution', 'brain'] } }
          : c,
      ),
    };
    const given = grants('brain', agreed);
    for (const g of [`vault:${BINANCE}`, `file:${BINANCE}`, 'fqdn:api.binance.com'])
      assert.ok(given.has(g), `${g} granted once both sides agree`);
    assert.equal(condition('brain', agreed, 'Ready')?.status, 'True');
  });

  it('should hold no Vault access at all when the last file is withdrawn', () => {
    const bare = withService('sentinel', (s) => ({
      ...s,
      spec: { ...s.spec, nats: undefined, secrets: [] },
    }));
    const ring = withRing((r) => ({ ...r, spec: { ...r.spec, listeners: ['execution'] } }));
    const w: World = { ...bare, keyRings: ring.keyRings };
    const decision = decide('sentinel', w);
    assert.equal(decision.access, undefined);
    assert.ok(decision.objects.length > 0, 'the workload itself stays');
  });

  it('should never grant more after a withdrawal than before it', () => {
    for (const c of cases) {
      const before = grants(c.service, world());
      for (const g of grants(c.service, c.world))
        assert.ok(before.has(g) || !g.startsWith('vault:'), `${c.name}: ${g} is new`);
    }
  });
});
