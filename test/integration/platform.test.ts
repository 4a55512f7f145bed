/**
 * The Titan platform folder as Kubernetes objects (issue 17): `kubectl apply --server-side -f
 * examples/titan/` applies every file, the platform settings included (a PosturePlatform); the
 * apiserver refuses what the settings schema refuses; the settings read back from the cluster
 * render the committed gitops/ byte for byte; and `posture operator` without --platform runs on
 * them and stops when their spec changes (docs/adr/0052).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { parse } from 'yaml';
import { mutated } from '../../src/api/testdata/mutations.ts';
import type { JsonObject } from '../../src/api/testdata/valid.ts';
import { validateObject } from '../../src/api/validate/validate.ts';
import { PosturePlatformSchema } from '../../src/api/platform/schema.ts';
import { settingsIn } from '../../src/controllers/platform/settings.ts';
import { readPlatformDir } from '../../src/gitops/source.ts';
import { synthesize } from '../../src/gitops/synth.ts';
import { listFiles } from '../../src/gitops/write.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { installPostureCrds } from '../support/crds.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { freePorts } from '../../src/testenv/process.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const EXAMPLES = 'examples/titan';
/** The manager crds.test.ts applies the examples with too: the same values, never a conflict. */
const MANAGER = '--field-manager=posture-tests';
const platformText = readFileSync(join(EXAMPLES, 'platform.yaml'), 'utf8');

type Json = Record<string, unknown>;
const platformObject = () => parse(platformText) as Json & { spec: Json; metadata: Json };

describe('examples/titan applied to the real apiserver', () => {
  it('holds a platform.yaml that zod reads as the PosturePlatform', () => {
    assert.equal(PosturePlatformSchema.safeParse(platformObject()).success, true);
  });

  let madeTitan = false;
  before(async () => {
    await installPostureCrds();
    const made = await kubectl(['create', 'namespace', 'titan']);
    madeTitan = made.code === 0;
    assert.ok(madeTitan || /AlreadyExists/.test(made.stderr), made.stderr);
  });
  after(async () => {
    if (madeTitan) await kubectl(['delete', 'namespace', 'titan', '--wait=false']);
  });

  it('applies every file of the folder with kubectl apply --server-side, the settings included', async () => {
    const applied = await kubectl(['apply', '--server-side', MANAGER, '-f', `${EXAMPLES}/`]);
    assert.equal(applied.code, 0, applied.stderr);
    const lines = applied.stdout.trim().split('\n');
    const files = listFiles(EXAMPLES).filter((f) => f.endsWith('.yaml'));
    assert.equal(lines.length, files.length, applied.stdout);
    assert.ok(
      lines.every((l) => l.endsWith(' serverside-applied')),
      applied.stdout,
    );
    assert.ok(lines.includes('postureplatform.posture.dev/posture serverside-applied'));
  });

  it('renders the committed gitops/ from the settings read back from the cluster', async () => {
    const got = await kubectl(['get', 'postureplatform', 'posture', '-o', 'json']);
    assert.equal(got.code, 0, got.stderr);
    const read = settingsIn(JSON.parse(got.stdout) as KubeObject);
    assert.ok('platform' in read, JSON.stringify(read));
    const folder = readPlatformDir(EXAMPLES);
    const output = synthesize({ ...folder, platform: read.platform });
    const committed = new Map(
      listFiles('gitops').map((f) => [f, readFileSync(join('gitops', f), 'utf8')]),
    );
    assert.deepEqual([...output.files.keys()].sort(), [...committed.keys()].sort());
    for (const [path, content] of output.files)
      assert.equal(content, committed.get(path), `gitops/${path} differs`);
  });

  const refusals: [string, (o: ReturnType<typeof platformObject>) => void, RegExp][] = [
    [
      'refuses a PosturePlatform with another name, saying which name to use',
      (o) => (o.metadata['name'] = 'titan'),
      /must be named posture.*fix: set metadata\.name: posture/,
    ],
    [
      'refuses an open VPN range for the Devtron dashboard',
      (o) => ((o.spec['devtron'] as Json)['vpnCidrs'] = ['0.0.0.0/0']),
      /spec\.devtron\.vpnCidrs\[0\].*open range/,
    ],
    [
      'refuses an egress gateway address that is no IP',
      (o) => ((o.spec['egressGateway'] as Json)['ips'] = ['203.0.113.10/32']),
      /spec\.egressGateway\.ips\[0\].*invalid IP address/,
    ],
    [
      "refuses a namespace prefix that overlaps posture's own Vault paths",
      (o) =>
        ((o.spec['vault'] as Json)['tenancy'] = { namespacePrefix: 'secret/posture/{namespace}/' }),
      /spec\.vault\.tenancy\.namespacePrefix.*overlaps <kvMount>\/posture\//,
    ],
    [
      'refuses a nats.users key that is no namespace/name',
      (o) => ((o.spec['nats'] as Json)['users'] = { brain: 'U'.padEnd(56, 'A') }),
      /spec\.nats\.users.*<namespace>\/<name>/,
    ],
  ];
  for (const [name, change, message] of refusals) {
    it(`${name}, in zod and in the apiserver`, async () => {
      const object = platformObject();
      change(object);
      const args = ['apply', '--server-side', MANAGER, '--dry-run=server', '-f', '-'];
      assert.equal(PosturePlatformSchema.safeParse(object).success, false, 'zod accepted it');
      const applied = await kubectl(args, JSON.stringify(object));
      assert.notEqual(applied.code, 0, `the apiserver accepted it: ${applied.stdout}`);
      assert.match(applied.stderr.replaceAll('\n', ' '), message);
    });
  }
});

describe('zod and the apiserver agree on the Titan settings with one field changed', () => {
  before(installPostureCrds);

  it('should give the same verdict on a PosturePlatform with one field changed', async () => {
    const titan = platformObject() as JsonObject;
    await fc.assert(
      fc.asyncProperty(mutated(fc.constant(titan)), async ({ object, path, value }) => {
        const zodAccepts = validateObject(object).status === 'valid';
        // A create checked but not stored, as crds.test.ts does (nulls read as unset, like zod).
        // The one allowed name exists, and the apiserver says so only after every check passed.
        const args = ['create', '--dry-run=server', '--validate=strict', '-f', '-'];
        const created = await kubectl(args, JSON.stringify(object));
        const accepted = created.code === 0 || /AlreadyExists/.test(created.stderr);
        const what = `${path} := ${JSON.stringify(value)}: zod ${zodAccepts ? 'accepts' : 'rejects'}`;
        assert.equal(accepted, zodAccepts, `${what}, apiserver: ${created.stderr}`);
      }),
      { numRuns: 100 },
    );
  });
});

describe('posture operator on the settings in the cluster', () => {
  const dir = scratchDir('posture-platform-');

  it('runs on the PosturePlatform and stops with exit 0 once its spec changes', async () => {
    await installPostureCrds();
    const env = testEnv();
    if (!env.vault) throw new Error('the test environment has no Vault');
    const applied = await kubectl(['apply', '--server-side', MANAGER, '-f', '-'], platformText);
    assert.equal(applied.code, 0, applied.stderr);
    const namespace = await createTestNamespace(testKubeClient(), 'platform');
    const tokenFile = join(dir, 'vault-token');
    writeFileSync(tokenFile, env.vault.token, { mode: 0o600 });
    const [port] = await freePorts(1);
    const child = spawn(
      process.execPath,
      [
        'src/cli/main.ts',
        'operator',
        `--watch-namespace=${namespace}`,
        `--lease-namespace=${namespace}`,
        `--kubeconfig=${env.kube.kubeconfig}`,
        `--vault-addr=${env.vault.addr}`,
        `--vault-token-file=${tokenFile}`,
        `--metrics-port=${port}`,
        '--metrics-host=127.0.0.1',
        '--log-level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const change = {
      apiVersion: 'posture.dev/v1alpha1',
      kind: 'PosturePlatform',
      metadata: { name: 'posture' },
      spec: { dns: { port: 5353 } },
    };
    const changer = ['apply', '--server-side', '--field-manager=posture-platform-test'];
    try {
      await eventually(
        'the operator ready on the cluster settings',
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output}`);
          const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          return ready?.status === 200 || undefined;
        },
        60_000,
      );
      assert.equal(child.exitCode, null, 'the unchanged settings keep it running');
      // A field the examples leave to its default, so no other manager's value is taken over.
      const patched = await kubectl(
        [...changer, '--force-conflicts', '-f', '-'],
        JSON.stringify(change),
      );
      assert.equal(patched.code, 0, patched.stderr);
      assert.equal(await exited, 0, output);
      assert.match(output, /platform settings changed: stopping so the operator starts again/);
      assert.match(output, /"change":"changed"/);
    } finally {
      child.kill('SIGTERM');
      await exited;
      // Give the field back: applying without it drops this manager's value, the default returns.
      const without = { ...change, spec: undefined };
      await kubectl([...changer, '-f', '-'], JSON.stringify(without));
    }
  });
});
