import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runSynth } from '../cli/synth.ts';
import { runValidate } from '../cli/validate.ts';
import { TradingServiceSchema } from '../api/index.ts';
import { defaultPlatform, platformSchema } from '../api/platform/settings.ts';
import { namespacePrefix, pathRefusal } from './tenancy.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

/** Each escalation a tenant could try through posture, refused by `posture synth` of a folder. */

const sink = () => {
  let text = '';
  return { write: (s: string) => void (text += s), text: () => text };
};

/** examples/titan plus one more file; the exit code and what synth printed on stderr. */
function synthWith(file: string, yaml: string, tenancy?: string) {
  const dir = scratchDir('posture-tenancy-');
  cpSync('examples/titan', dir, { recursive: true });
  writeFileSync(join(dir, file), yaml);
  if (tenancy !== undefined) {
    const platform = join(dir, 'platform.yaml');
    const text = readFileSync(platform, 'utf8');
    // platform.yaml is a PosturePlatform: the settings sit under spec, two spaces deeper.
    const indented = tenancy.replace(/^(?=.)/gm, '  ');
    writeFileSync(
      platform,
      text.replace('    kvMount: secret\n', `    kvMount: secret\n${indented}`),
    );
  }
  const [stdout, stderr] = [sink(), sink()];
  const lines: string[] = [];
  const validate = runValidate([dir], { out: (l) => lines.push(l), err: () => undefined });
  const code = runSynth({ in: dir, out: join(dir, 'out') }, stdout, stderr);
  assert.equal(validate, code, `posture validate agrees with synth: ${lines.join('\n')}`);
  return { code, stderr: stderr.text() };
}

const IMAGE =
  'ghcr.io/example/thief:v1@sha256:0ba77b4fc30b13409c3cbd9d85f62715b9948b2ff9d91d4e158557556f990a94';

function thief(namespace: string, vaultPath: string): string {
  return `apiVersion: posture.dev/v1alpha1
kind: TradingService
metadata: { name: thief, namespace: ${namespace} }
spec:
  image: ${IMAGE}
  secrets:
    - { name: LOOT, file: loot, key: value, vaultPath: ${vaultPath} }
`;
}

describe('Vault tenancy: a CR grants only what its namespace owns', () => {
  const refusals: [string, string, string, RegExp][] = [
    [
      "should refuse a plain secret naming an ExchangeCredential's key",
      'thief.yaml',
      thief('titan', 'secret/titan/exchanges/binance'),
      /spec\.secrets\[0\]\.vaultPath: secret\/titan\/exchanges\/binance is owned by ExchangeCredential titan\/binance/,
    ],
    [
      "should refuse a plain secret naming an HmacKeyRing's key",
      'thief.yaml',
      thief('titan', 'secret/titan/hmac/command-signals'),
      /is owned by HmacKeyRing titan\/command-signals: read it through spec\.hmac/,
    ],
    [
      "should refuse a plain secret naming another service's NATS seed",
      'thief.yaml',
      thief('titan', 'secret/posture/nats/titan/brain'),
      /<mount>\/posture\/ is where posture keeps the NKey seeds/,
    ],
    [
      "should refuse a service in namespace sandbox reading titan's secrets",
      'thief.yaml',
      thief('sandbox', 'secret/titan/brain/postgres'),
      /secret\/titan\/brain\/postgres is outside what namespace sandbox owns in Vault \(secret\/sandbox\/\)/,
    ],
    [
      "should refuse an ExchangeCredential in sandbox that points at titan's key",
      'stolen.yaml',
      `apiVersion: posture.dev/v1alpha1
kind: ExchangeCredential
metadata: { name: binance, namespace: sandbox }
spec:
  exchange: binance
  vaultPath: secret/titan/exchanges/binance
  permissions: { read: true, trade: true, withdraw: false }
  ipWhitelist: [203.0.113.10/32]
  consumers: [thief]
`,
      /spec\.vaultPath: secret\/titan\/exchanges\/binance is outside what namespace sandbox owns/,
    ],
    [
      'should refuse a second ExchangeCredential that owns the same path as the first',
      'twin.yaml',
      `apiVersion: posture.dev/v1alpha1
kind: ExchangeCredential
metadata: { name: binance-twin, namespace: titan }
spec:
  exchange: binance
  vaultPath: secret/titan/exchanges/binance
  permissions: { read: true, trade: true, withdraw: false }
  ipWhitelist: [203.0.113.10/32]
  consumers: [brain]
`,
      /is already owned by ExchangeCredential titan\/binance/,
    ],
  ];
  for (const [name, file, yaml, message] of refusals) {
    it(name, () => {
      const { code, stderr } = synthWith(file, yaml);
      assert.notEqual(code, 0, 'synth must fail');
      assert.match(stderr, message);
    });
  }

  it('should let a plain secret read a reviewed shared prefix, but never place a credential there', () => {
    const shared = '  tenancy:\n    sharedPrefixes: [secret/shared/]\n';
    const result = synthWith('thief.yaml', thief('titan', 'secret/shared/ca'), shared);
    assert.equal(result.code, 0, result.stderr);
    assert.notEqual(synthWith('thief.yaml', thief('titan', 'secret/shared/ca')).code, 0);
    const p = platformSchema.parse({ vault: { tenancy: { sharedPrefixes: ['secret/shared/'] } } });
    assert.match(
      pathRefusal(p, 'titan', 'secret/shared/ca', 'owned') ?? '',
      /shared prefixes hold plain secrets only/,
    );
  });

  it('should accept the bundled Titan platform unchanged', () => {
    const { code, stderr } = synthWith('README.extra', '');
    assert.equal(code, 0, stderr);
  });

  it("should refuse posture's own prefix on every mount in the schema the apiserver shares", () => {
    const base = { apiVersion: 'posture.dev/v1alpha1', kind: 'TradingService' };
    const spec = (vaultPath: string) => ({
      ...base,
      metadata: { name: 'x', namespace: 'titan' },
      spec: { image: IMAGE, secrets: [{ name: 'A', file: 'a', key: 'k', vaultPath }] },
    });
    for (const path of ['secret/posture/nats/titan/brain', 'kv/posture', 'secret/posture/x'])
      assert.equal(TradingServiceSchema.safeParse(spec(path)).success, false, path);
    assert.equal(TradingServiceSchema.safeParse(spec('secret/titan/posture/x')).success, true);
  });

  it('should use the platform template for the namespace prefix', () => {
    const p = platformSchema.parse({
      vault: { tenancy: { namespacePrefix: 'kv/teams/{namespace}/' } },
    });
    assert.equal(namespacePrefix(p, 'titan'), 'kv/teams/titan/');
    assert.equal(pathRefusal(p, 'titan', 'kv/teams/titan/db', 'secret'), undefined);
    assert.notEqual(pathRefusal(p, 'titan', 'kv/teams/titanic/db', 'secret'), undefined);
    assert.equal(namespacePrefix(defaultPlatform(), 'titan'), 'secret/titan/');
  });

  it("should refuse a platform that shares posture's own prefix", () => {
    const bad = platformSchema.safeParse({
      vault: { tenancy: { sharedPrefixes: ['secret/posture/'] } },
    });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /NKey seeds/);
  });
});
