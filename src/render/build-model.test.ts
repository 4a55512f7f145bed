import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readPlatformDir } from '../gitops/source.ts';
import type { TradingService } from '../api/index.ts';
import { formatProblem } from './problems.ts';
import { buildModel, kvDataPath, type CustomResources } from './build-model.ts';

const example = readPlatformDir('examples/titan');

function withService(
  name: string,
  change: (ts: TradingService) => TradingService,
): CustomResources {
  const r = example.resources;
  return {
    ...r,
    tradingServices: r.tradingServices.map((s) =>
      s.object.metadata.name === name ? { ...s, object: change(s.object) } : s,
    ),
  };
}

const spec = (change: Partial<TradingService['spec']>) => (ts: TradingService) => ({
  ...ts,
  spec: { ...ts.spec, ...change },
});

function problems(resources: CustomResources): string[] {
  return buildModel(resources, example.platform).problems.map(formatProblem);
}

describe('buildModel', () => {
  it('should accept the Titan example without a problem', () => {
    assert.deepEqual(example.problems, []);
    assert.deepEqual(problems(example.resources), []);
  });

  const cases: [string, CustomResources, RegExp][] = [
    [
      'should refuse a service that uses a credential which does not list it as a consumer',
      withService('brain', spec({ exchangeCredentials: ['binance'] })),
      /tradingservice-brain\.yaml: spec\.exchangeCredentials\[0\]: ExchangeCredential binance does not list brain in spec\.consumers/,
    ],
    [
      'should refuse a credential that does not exist',
      withService('brain', spec({ exchangeCredentials: ['kraken'] })),
      /spec\.exchangeCredentials\[0\]: no ExchangeCredential kraken in namespace titan/,
    ],
    [
      'should refuse a signer the key ring does not list',
      withService('execution', (ts) =>
        spec({ hmac: ts.spec.hmac.map((h) => ({ ...h, role: 'signer' as const })) })(ts),
      ),
      /spec\.hmac\[0\]: HmacKeyRing command-signals does not list execution in spec\.signers/,
    ],
    [
      'should refuse egress to a service that does not exist',
      withService('console', (ts) =>
        spec({ egress: { ...ts.spec.egress, services: [{ service: 'ghost', ports: [] }] } })(ts),
      ),
      /spec\.egress\.services\[0\]: no TradingService ghost in namespace titan/,
    ],
    [
      'should refuse egress to a port the peer does not declare',
      withService('console', (ts) =>
        spec({ egress: { ...ts.spec.egress, services: [{ service: 'brain', ports: [1234] }] } })(
          ts,
        ),
      ),
      /spec\.egress\.services\[0\]\.ports: titan\/brain declares ports 8080, 9090/,
    ],
    [
      'should refuse two files with the same name',
      withService('brain', (ts) =>
        spec({
          secrets: [...ts.spec.secrets, { ...ts.spec.secrets[0]!, name: 'OTHER', file: 'hmac' }],
        })(ts),
      ),
      /file hmac is used twice/,
    ],
  ];
  for (const [name, resources, expected] of cases) {
    it(name, () => {
      const found = problems(resources);
      assert.ok(
        found.some((p) => expected.test(p)),
        found.join('\n'),
      );
    });
  }

  it('should read KV v2 secrets through their data path', () => {
    assert.equal(kvDataPath('secret/titan/brain/db'), 'secret/data/titan/brain/db');
  });

  it('should give each NATS user the seed file and each consumer the exchange API hosts', () => {
    const { model } = buildModel(example.resources, example.platform);
    const execution = model.services.find((s) => s.name === 'execution')!;
    assert.ok(
      execution.files.some(
        (f) =>
          f.env === 'NATS_NKEY_SEED' && f.vaultPath === 'secret/data/posture/nats/titan/execution',
      ),
    );
    assert.ok(execution.egressFqdns.some((f) => f.name === 'api.binance.com'));
    const brain = model.services.find((s) => s.name === 'brain')!;
    assert.ok(!brain.egressFqdns.some((f) => f.name === 'api.binance.com'));
  });
});

describe('buildModel file names', () => {
  it('should refuse a file name too long for a Vault Agent annotation key', () => {
    const long = withService('brain', (ts) =>
      spec({ secrets: [{ ...ts.spec.secrets[0]!, file: `a${'b'.repeat(41)}` }] })(ts),
    );
    assert.ok(problems(long).some((p) => /longer than 41 characters/.test(p)));
  });

  it('should refuse a file name that ends with a dot', () => {
    const dotted = withService('brain', (ts) =>
      spec({ secrets: [{ ...ts.spec.secrets[0]!, file: 'db.' }] })(ts),
    );
    assert.ok(problems(dotted).some((p) => /must end with a letter or digit/.test(p)));
  });

  it("should leave out a secret that takes the NATS seed's file name, and keep the seed", () => {
    const clash = withService('brain', (ts) =>
      spec({ secrets: [{ ...ts.spec.secrets[0]!, file: 'nats-nkey-seed' }] })(ts),
    );
    const { model, problems: found } = buildModel(clash, example.platform);
    assert.ok(found.some((p) => /file nats-nkey-seed is used twice/.test(p.message)));
    const brain = model.services.find((s) => s.name === 'brain')!;
    const seeds = brain.files.filter((f) => f.file === 'nats-nkey-seed');
    assert.deepEqual(
      seeds.map((f) => f.vaultPath),
      ['secret/data/posture/nats/titan/brain'],
      'only the seed, never the secret under its name',
    );
    assert.ok(!brain.files.some((f) => f.vaultPath === 'secret/data/titan/brain/postgres'));
  });
});
