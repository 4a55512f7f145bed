/**
 * One check per real server in the environment: if any of these fails, the environment is
 * broken and every other integration test's result means little.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateAgeKeyPair } from '../../src/gitops/agekey.ts';
import { kubectl, run, testEnv } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const ns = `smoke-${randomBytes(3).toString('hex')}`;

describe('the real test environment', () => {
  before(async () => {
    assert.equal((await kubectl(['create', 'namespace', ns])).code, 0);
  });
  after(async () => {
    await kubectl(['delete', 'namespace', ns, '--wait=false']);
  });

  it('creates and reads back a ConfigMap through kube-apiserver and etcd', async () => {
    const created = await kubectl([
      '-n',
      ns,
      'create',
      'configmap',
      'hello',
      '--from-literal=greeting=hi',
    ]);
    assert.equal(created.code, 0, created.stderr);
    const read = await kubectl([
      '-n',
      ns,
      'get',
      'configmap',
      'hello',
      '-o',
      'jsonpath={.data.greeting}',
    ]);
    assert.equal(read.stdout, 'hi');
  });

  it('rolls a Deployment out to Ready on a kwok node', async () => {
    const image = `registry.invalid/app@sha256:${'a'.repeat(64)}`;
    const made = await kubectl([
      '-n',
      ns,
      'create',
      'deployment',
      'web',
      `--image=${image}`,
      '--replicas=2',
    ]);
    assert.equal(made.code, 0, made.stderr);
    const rollout = await kubectl([
      '-n',
      ns,
      'rollout',
      'status',
      'deployment/web',
      '--timeout=120s',
    ]);
    assert.equal(rollout.code, 0, `${rollout.stdout}\n${rollout.stderr}`);
    const nodes = await kubectl([
      '-n',
      ns,
      'get',
      'pods',
      '-o',
      'jsonpath={.items[*].spec.nodeName}',
    ]);
    for (const node of nodes.stdout.split(' '))
      assert.ok(testEnv().kube.nodes.includes(node), node);
  });

  it("rejects a CiliumNetworkPolicy with an invalid field, by Cilium's own CRD schema", async () => {
    const policy = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'bad', namespace: ns },
      spec: { endpointSelector: {}, ingress: [{ fromEndpoints: 'everyone' }] },
    };
    const applied = await kubectl(['apply', '--server-side', '-f', '-'], JSON.stringify(policy));
    assert.notEqual(applied.code, 0);
    assert.match(applied.stderr, /fromEndpoints/);
  });

  it('writes and reads a KV v2 secret in Vault', async () => {
    const vault = testEnv().vault;
    assert.ok(vault, 'the environment has no Vault');
    const path = `${vault.addr}/v1/secret/data/smoke/${ns}`;
    const headers = { 'x-vault-token': vault.token, 'content-type': 'application/json' };
    const write = await fetch(path, {
      method: 'POST',
      headers,
      body: JSON.stringify({ data: { k: 'v' } }),
    });
    assert.equal(write.status, 200, await write.text());
    const read = (await (await fetch(path, { headers })).json()) as {
      data: { data: { k: string } };
    };
    assert.equal(read.data.data.k, 'v');
  });

  it('encrypts and decrypts a file with sops and an age key', async () => {
    const dir = scratchDir('posture-sops-');
    const { recipient, identity } = generateAgeKeyPair();
    writeFileSync(join(dir, 'secret.yaml'), 'password: hunter2\n');
    const env = { SOPS_AGE_KEY: identity };
    const enc = await run('sops', ['--encrypt', '--age', recipient, join(dir, 'secret.yaml')], {
      env,
    });
    assert.equal(enc.code, 0, enc.stderr);
    assert.doesNotMatch(enc.stdout, /hunter2/);
    assert.match(enc.stdout, /ENC\[AES256_GCM/);
    writeFileSync(join(dir, 'secret.enc.yaml'), enc.stdout);
    const dec = await run('sops', ['--decrypt', join(dir, 'secret.enc.yaml')], { env });
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout, 'password: hunter2\n');
    const wrongKey = await run('sops', ['--decrypt', join(dir, 'secret.enc.yaml')], {
      env: { SOPS_AGE_KEY: generateAgeKeyPair().identity },
    });
    assert.notEqual(wrongKey.code, 0);
  });

  it('lints an empty chart with helm', async () => {
    const dir = scratchDir('posture-helm-');
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nname: empty\nversion: 0.1.0\n');
    const lint = await run('helm', ['lint', dir]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    writeFileSync(join(dir, 'Chart.yaml'), 'apiVersion: v2\nversion: 0.1.0\n');
    assert.notEqual((await run('helm', ['lint', dir])).code, 0);
  });

  it('has every tool the later tests call', async () => {
    for (const [tool, args] of [
      ['kubeconform', ['-v']],
      ['actionlint', ['-version']],
    ] as const) {
      const result = await run(tool, [...args]);
      assert.equal(result.code, 0, `${tool}: ${result.stderr}`);
    }
    assert.ok(
      readFileSync(join(testEnv().ciliumCrdDir, 'ciliumnetworkpolicies.yaml'), 'utf8').includes(
        'CiliumNetworkPolicy',
      ),
    );
  });
});
