import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlatformDir } from '../../gitops/source.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { decideTradingService, type TradingServiceSnapshot } from './decide.ts';

const titan = readPlatformDir('examples/titan');
const services = titan.resources.tradingServices.map((s) => s.object);
const credentials = titan.resources.exchangeCredentials.map((s) => s.object);
const keyRings = titan.resources.hmacKeyRings.map((s) => s.object);
const byName = (name: string) => services.find((s) => s.metadata.name === name)!;
const asObject = (o: unknown) =>
  ({ ...(o as KubeObject), metadata: { ...(o as KubeObject).metadata, uid: 'u-1' } }) as KubeObject;

function snapshot(over: Partial<TradingServiceSnapshot> = {}): TradingServiceSnapshot {
  return {
    object: asObject(byName('execution')),
    services,
    credentials,
    keyRings,
    platform: titan.platform,
    vault: { state: 'reachable', nkey: { version: 1, publicKey: 'UEXAMPLE' } },
    ...over,
  };
}

function conditionsOf(s: TradingServiceSnapshot) {
  const decision = decideTradingService(s);
  return {
    decision,
    byType: Object.fromEntries(decision.conditions.map((c) => [c.type, c.status])),
  };
}

describe('TradingService decide', () => {
  const cases: [string, Partial<TradingServiceSnapshot>, Record<string, string>, number][] = [
    [
      'should be Ready with four owned objects when everything it references exists',
      {},
      { Ready: 'True', InvalidSpec: 'False', VaultUnavailable: 'False', Degraded: 'False' },
      4,
    ],
    [
      'should report VaultUnavailable and not be Ready when Vault is down',
      { vault: { state: 'unavailable', message: 'connect ECONNREFUSED' } },
      { Ready: 'False', VaultUnavailable: 'True' },
      4,
    ],
    [
      'should be Degraded and still apply what is granted when a credential it uses does not exist',
      { credentials: credentials.filter((c) => c.metadata.name !== 'binance') },
      { Ready: 'False', Degraded: 'True', InvalidSpec: 'False', Forbidden: 'False' },
      4,
    ],
    [
      'should be Degraded and still apply what is granted when a credential does not list it as a consumer',
      {
        credentials: credentials.map((c) => ({ ...c, spec: { ...c.spec, consumers: ['brain'] } })),
      },
      { Ready: 'False', Degraded: 'True' },
      4,
    ],
    [
      'should report InvalidSpec when the spec breaks the schema',
      { object: asObject({ ...byName('execution'), spec: { replicas: -1 } }) },
      { Ready: 'False', InvalidSpec: 'True' },
      0,
    ],
  ];
  for (const [name, over, want, objects] of cases) {
    it(name, () => {
      const { decision, byType } = conditionsOf(snapshot(over));
      for (const [type, status] of Object.entries(want)) assert.equal(byType[type], status, type);
      assert.equal(decision.objects.length, objects);
    });
  }

  it('should make InvalidSpec terminal and nothing else', () => {
    const bad = snapshot({ object: asObject({ ...byName('execution'), spec: {} }) });
    assert.equal(decideTradingService(bad).terminal, true);
    assert.equal(decideTradingService(snapshot()).terminal, false);
  });

  it('should own every object it renders through a controller reference with the uid', () => {
    for (const object of decideTradingService(snapshot()).objects) {
      const [owner] = object.metadata.ownerReferences ?? [];
      assert.equal(owner?.kind, 'TradingService');
      assert.equal(owner?.uid, 'u-1');
      assert.equal(owner?.controller, true);
    }
  });

  it('should grant Vault read on exactly the credentials it consumes and its NKey seed', () => {
    const { access, needsNkey, fields } = decideTradingService(snapshot());
    const paths = access?.policy.rules.map((r) => r.path).sort();
    assert.deepEqual(paths, [
      'secret/data/posture/nats/titan/execution',
      'secret/data/titan/exchanges/binance',
      'secret/data/titan/exchanges/bybit',
      'secret/data/titan/exchanges/gemini',
      'secret/data/titan/hmac/command-signals',
    ]);
    assert.equal(access?.role.serviceAccount, 'execution');
    assert.equal(needsNkey, true);
    assert.deepEqual(fields, {
      natsUser: 'UEXAMPLE',
      nkeyVersion: 1,
      previousNatsUser: undefined,
      nkeyPinnedVersion: 1,
      nkeyRotationRequest: undefined,
      vaultRole: access?.role.name,
    });
  });

  /** File → the KV version its Vault Agent template pins (undefined: the latest). */
  function pinsOf(decision: ReturnType<typeof decideTradingService>) {
    const deployment = decision.objects.find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { metadata: { annotations: Record<string, string> } } };
    };
    const prefix = 'vault.hashicorp.com/agent-inject-template-';
    return Object.fromEntries(
      Object.entries(deployment.spec.template.metadata.annotations)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, value]) => [key.slice(prefix.length), /\?version=(\d+)"/.exec(value)?.[1]]),
    );
  }

  it("should pin every credential file to Vault's version, the key ring's to the ring's, the seed to the NKey's", () => {
    const versions = new Map([
      ['secret/titan/exchanges/binance', 3],
      ['secret/titan/exchanges/bybit', 1],
    ]);
    const rings = keyRings.map((r) => ({ ...r, status: { listenerVersion: 5, signerVersion: 5 } }));
    const decision = decideTradingService(
      snapshot({
        keyRings: rings,
        vault: { state: 'reachable', nkey: { version: 2, publicKey: 'UEXAMPLE' }, versions },
      }),
    );
    assert.deepEqual(pinsOf(decision), {
      'exchange-binance': '3',
      'exchange-bybit': '1',
      'exchange-gemini': undefined,
      hmac: '5',
      'nats-nkey-seed': '2',
    });
  });

  it('should change the pod template, and only it, when a secret gets a new version', () => {
    const at = (version: number) =>
      decideTradingService(
        snapshot({
          vault: {
            state: 'reachable',
            nkey: { version: 1, publicKey: 'UEXAMPLE' },
            versions: new Map([['secret/titan/exchanges/binance', version]]),
          },
        }),
      ).objects;
    const [one, two] = [at(1), at(2)];
    const changed = one.filter((o, i) => JSON.stringify(o) !== JSON.stringify(two[i]));
    assert.deepEqual(
      changed.map((o) => o.kind),
      ['Deployment'],
    );
    assert.deepEqual(at(2), two, 'the same versions render the same bytes');
  });

  describe('with nats.auth jwt (the creds share the seed entry, docs/adr/0071)', () => {
    const platform = { ...titan.platform, nats: { ...titan.platform.nats, auth: 'jwt' as const } };
    const status = { natsUser: 'UEXAMPLE', nkeyVersion: 3, nkeyPinnedVersion: 3 };
    const jwtSnapshot = (over: Partial<TradingServiceSnapshot>) =>
      snapshot({
        platform,
        natsAccountKey: 'AKEY',
        object: { ...asObject(byName('execution')), status },
        ...over,
      });

    it("should write a new service's first key and JWT as the entry's first version", () => {
      const decision = decideTradingService(jwtSnapshot({ vault: { state: 'reachable' } }));
      assert.deepEqual(decision.nkey?.write, { cas: 0 });
      assert.deepEqual(decision.userJwt?.write, { cas: 0 });
      assert.equal(pinsOf(decision)['nats-creds'], '1');
    });

    it("should grant the pod the seed entry's creds, and take that grant away with spec.nats", () => {
      const entry = 'secret/data/posture/nats/titan/execution';
      const paths = (over: Partial<TradingServiceSnapshot>) =>
        (decideTradingService(jwtSnapshot(over)).access?.policy.rules ?? []).map((r) => r.path);
      const vault = { state: 'reachable' as const, nkey: { version: 3, publicKey: 'UEXAMPLE' } };
      assert.ok(paths({ vault }).includes(entry), 'the creds entry is granted');
      const execution = byName('execution');
      const withdrawn = {
        ...asObject(execution),
        spec: { ...execution.spec, nats: undefined },
        status,
      };
      const left = paths({ vault, object: withdrawn });
      assert.deepEqual(
        left.filter((p) => p.includes('/posture/nats/')),
        [],
        'no NATS entry left in the policy',
      );
    });

    it("should name a settled key's new JWT as the key's version, the one pods read", () => {
      const old = { pub: { allow: ['titan.old.>'] }, sub: { allow: ['>'] } };
      const userJwt = { version: 3, publicKey: 'UEXAMPLE', account: 'AKEY', claims: old, iat: 9 };
      const vault = {
        state: 'reachable' as const,
        nkey: { version: 3, publicKey: 'UEXAMPLE' },
        userJwt,
      };
      const decision = decideTradingService(jwtSnapshot({ vault }));
      assert.equal(decision.nkey?.write, undefined);
      assert.deepEqual(decision.userJwt?.write, {
        cas: 3,
        replaces: { publicKey: 'UEXAMPLE', iat: 9 },
      });
      assert.deepEqual(
        [
          decision.fields.nkeyVersion,
          decision.fields.nkeyPinnedVersion,
          decision.fields.natsJwtVersion,
        ],
        [4, 4, 4],
      );
      assert.equal(pinsOf(decision)['nats-creds'], '4');
    });
  });

  it('should never put a seed or secret value into the rendered objects', () => {
    const text = JSON.stringify(decideTradingService(snapshot()).objects);
    assert.doesNotMatch(text, /\bSUA[A-Z2-7]{10}/);
  });
});
