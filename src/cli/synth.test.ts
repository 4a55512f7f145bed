import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALIAS_BOMB } from '../api/testdata/alias-bomb.ts';
import { listFiles } from '../gitops/write.ts';
import { runSynth } from './synth.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

function capture() {
  let text = '';
  return {
    write: (s: string) => (text += s),
    get text() {
      return text;
    },
  };
}

function synth(input: string, out: string) {
  const [stdout, stderr] = [capture(), capture()];
  const code = runSynth({ in: input, out }, stdout, stderr);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

function tree(dir: string): Map<string, string> {
  return new Map(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

describe('posture synth', () => {
  const work = scratchDir('posture-synth-');

  it('should write the same bytes into two folders and print a summary per kind and app', () => {
    const [a, b] = [
      synth('examples/titan', join(work, 'a')),
      synth('examples/titan', join(work, 'b')),
    ];
    assert.deepEqual([a.code, b.code], [0, 0], a.stderr + b.stderr);
    assert.deepEqual(tree(join(work, 'a')), tree(join(work, 'b')));
    assert.match(
      a.stdout,
      /^APP +CiliumNetworkPolicy +CustomResourceDefinition .* Secret .* TOTAL$/m,
    );
    assert.match(a.stdout, /^apps\/titan\/brain +1 +- +1 +- +- +- +- +1 +1 +- +- +4$/m);
    assert.match(a.stdout, /^apps\/nats\/posture-nats-auth +- +- +- +- +- +- +1 +- +- +- +- +1$/m);
    assert.match(a.stdout, /^cluster\/devtron +1 +- +- +- +1 +1 +- +- +- +- +- +3$/m);
  });

  it('should refuse a YAML alias bomb with the file it is in, writing nothing', () => {
    const input = join(work, 'bomb-in');
    cpSync('examples/titan', input, { recursive: true });
    writeFileSync(join(input, 'bomb.yaml'), ALIAS_BOMB);
    const result = synth(input, join(work, 'bomb-out'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bomb-in\/bomb\.yaml: \(yaml\): Excessive alias count/);
  });

  it('should change nothing on a second run and remove what is no longer rendered', () => {
    const out = join(work, 'a');
    writeFileSync(join(out, 'apps/titan/brain/stale.yaml'), 'kind: Stale\n');
    const again = synth('examples/titan', out);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\(0 written, \d+ unchanged, 1 removed\)/);
  });

  function broken(name: string, edits: [string, RegExp, string][]): string {
    const input = join(work, name);
    cpSync('examples/titan', input, { recursive: true });
    for (const [file, pattern, replacement] of edits) {
      const path = join(input, file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(pattern, replacement));
    }
    return input;
  }

  it('should exit 1 naming the file and field path of every invalid field, writing nothing', () => {
    const input = broken('bad-fields', [
      ['tradingservice-brain.yaml', /image: .*/, 'image: ghcr.io/titan/brain:latest'],
      ['exchangecredential-binance.yaml', /withdraw: false/, 'withdraw: true'],
    ]);
    const result = synth(input, join(work, 'never'));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /tradingservice-brain\.yaml: spec\.image: pin the image by digest/);
    assert.match(
      result.stderr,
      /exchangecredential-binance\.yaml: spec\.permissions\.withdraw: withdraw must be false/,
    );
    assert.deepEqual(listFiles(join(work, 'never')), []);
  });

  it('should exit 1 when a service uses a credential that does not list it as a consumer', () => {
    const input = broken('bad-grant', [
      ['exchangecredential-bybit.yaml', /consumers:\n(\s+- \S+\n)+/, 'consumers: []\n'],
    ]);
    const result = synth(input, join(work, 'never'));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /tradingservice-execution\.yaml: spec\.exchangeCredentials\[1\]: ExchangeCredential bybit does not list execution/,
    );
  });

  it('should exit 1 naming the service whose NKey public key platform.yaml lacks', () => {
    const input = broken('no-key', [['platform.yaml', /\n {6}titan\/brain: U[A-Z2-7]+/, '']]);
    const result = synth(input, join(work, 'never'));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /platform\.yaml: nats\.users\["titan\/brain"\]: no NKey public key for TradingService titan\/brain/,
    );
  });

  it('should refuse a plaintext Secret, say how to seal it and never print its values', () => {
    const input = join(work, 'plain-secret');
    cpSync('examples/titan', input, { recursive: true });
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n';
    writeFileSync(join(input, 'db-secret.yaml'), secret);
    const result = synth(input, join(work, 'never'));
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /plain-secret\/db-secret\.yaml: kind: a plaintext Secret must not be committed: seal it with `posture seal -i .*db-secret\.yaml`/,
    );
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
  });

  it('should leave a sealed file (a sops: block) to the cluster and render the rest', () => {
    const input = join(work, 'sealed-secret');
    cpSync('examples/titan', input, { recursive: true });
    const sealed =
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: ENC[AES256_GCM,data:x,iv:x,tag:x,type:str]\nsops:\n  version: 3.11.0\n';
    writeFileSync(join(input, 'db-secret.yaml'), sealed);
    const result = synth(input, join(work, 'sealed-out'));
    assert.equal(result.code, 0, result.stderr);
  });

  it('should refuse to write into a folder it did not write', () => {
    const foreign = join(work, 'foreign');
    cpSync('examples/titan', foreign, { recursive: true });
    const result = synth('examples/titan', foreign);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /refusing to write into/);
  });
});
