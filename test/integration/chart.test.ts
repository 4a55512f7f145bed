/**
 * The Helm chart (charts/posture) installs a running operator: `helm lint` passes with the
 * example values; the rendered objects pass kubeconform against strict schemas of the real
 * apiserver's kinds and posture's CRDs, and a server-side dry-run apply accepts every one; bad
 * values fail at `helm template` naming the field; and `posture operator`, started with exactly
 * the rendered container's args and env (the pod's files and in-cluster access replaced by
 * local ones), becomes ready and takes the chart's Lease. So the chart cannot drift from the
 * flags the binary accepts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { kubeconfigYaml } from '../../src/testenv/kube.ts';
import { kubectl, run, testEnv } from '../support/env.ts';
import { schemaLocation, writeCrdSchemas, writeKubernetesSchemas } from '../support/kubeconform.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import { installPostureCrds } from '../support/tradingservice.ts';
import { freePorts } from '../../src/testenv/process.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const CHART = 'charts/posture';
const EXAMPLE = `${CHART}/ci/example-values.yaml`;

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  data?: Record<string, string>;
  spec?: unknown;
}

interface Container {
  args: string[];
  env: { name: string; value?: string; valueFrom?: unknown }[];
  ports: { name: string; containerPort: number }[];
  volumeMounts: { name: string; mountPath: string }[];
  securityContext: Record<string, unknown>;
  resources: { limits?: Record<string, string> };
}

function manifestsOf(yaml: string): Manifest[] {
  return parseAllDocuments(yaml)
    .map((doc) => doc.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

function helmTemplate(release: string, namespace: string, set: string[] = []) {
  return run('helm', [
    'template',
    release,
    CHART,
    `--namespace=${namespace}`,
    `--values=${EXAMPLE}`,
    ...set.map((s) => `--set=${s}`),
  ]);
}

function containerOf(manifests: Manifest[]): Container {
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  assert.ok(deployment, 'the chart renders a Deployment');
  const spec = deployment.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers[0]!;
}

describe('the Helm chart', () => {
  const admin = testKubeClient();
  let system = '';
  let nats = '';
  let release = '';
  let dir = '';
  let login: OperatorVaultLogin | undefined;

  before(async () => {
    await installPostureCrds();
    [system, nats] = (await Promise.all(
      ['chart-system', 'chart-nats'].map((p) => createTestNamespace(admin, p)),
    )) as [string, string];
    release = `chart-${system.slice(-8)}`;
    dir = scratchDir('posture-chart-');
  });
  after(async () => {
    await login?.remove();
    await kubectl([
      'delete',
      '--ignore-not-found',
      'clusterrole,clusterrolebinding',
      `${release}-operator`,
    ]);
    for (const name of [system, nats]) await admin.delete(RESOURCES.namespace, { name });
  });

  it('should pass helm lint with the example values, and fail without an image digest', async () => {
    const lint = await run('helm', ['lint', '--strict', CHART, `--values=${EXAMPLE}`]);
    assert.equal(lint.code, 0, lint.stdout + lint.stderr);
    const bare = await run('helm', ['lint', CHART]);
    assert.notEqual(bare.code, 0);
    assert.match(bare.stdout + bare.stderr, /\/image\/digest/);
    assert.match(bare.stdout + bare.stderr, /\/vault\/address/);
  });

  it('should render without --kube-version (helm is linked with its Kubernetes version)', async () => {
    const version = await run('helm', ['version', '--short']);
    assert.match(version.stdout, /^v3\.19\.0/);
    const rendered = await run('helm', ['template', 'p', CHART, `--values=${EXAMPLE}`]);
    assert.equal(rendered.code, 0, rendered.stderr);
  });

  for (const [what, set, field] of [
    ['an image tag instead of a digest', ['image.digest=v1.2.3'], /\/image\/digest/],
    ['an image without a digest', ['image.digest=null'], /\/image.*digest/],
    ['zero replicas', ['replicas=0'], /\/replicas/],
    ['no memory limit', ['resources.limits.memory=null'], /\/resources\/limits.*memory/],
    ['a webhook without its key file', ['webhook.enabled=true'], /\/webhook\/keyFile/],
    ['a misspelled value', ['replica=2'], /replica/],
  ] as const) {
    it(`should refuse ${what} at helm template, naming the field`, async () => {
      const rendered = await helmTemplate('p', 'posture-system', [...set]);
      assert.notEqual(rendered.code, 0, `rendered with ${set.join(' ')}`);
      assert.match(rendered.stderr, field);
    });
  }

  it('should render a hardened Deployment', async () => {
    const rendered = await helmTemplate('p', 'posture-system');
    assert.equal(rendered.code, 0, rendered.stderr);
    const container = containerOf(manifestsOf(rendered.stdout));
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      privileged: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.ok(container.resources.limits?.['memory'], 'a memory limit');
    const nodeOptions = container.env.find((e) => e.name === 'NODE_OPTIONS')?.value;
    assert.equal(nodeOptions, '--max-semi-space-size=16');
    assert.ok(
      container.args.includes('--lease-namespace=posture-system'),
      container.args.join(' '),
    );
  });

  it("should label the operator's pods for the Cilium baseline's apiserver access", async () => {
    const rendered = await helmTemplate('p', 'posture-system');
    assert.equal(rendered.code, 0, rendered.stderr);
    const deployment = manifestsOf(rendered.stdout).find((m) => m.kind === 'Deployment');
    const pod = deployment?.spec as { template: { metadata: { labels: Record<string, string> } } };
    // The label policies/cilium/kube-apiserver-access.yaml selects.
    const baseline = parse(readFileSync('policies/cilium/kube-apiserver-access.yaml', 'utf8')) as {
      spec: { endpointSelector: { matchLabels: Record<string, string> } };
    };
    for (const [key, value] of Object.entries(baseline.spec.endpointSelector.matchLabels))
      assert.equal(pod.template.metadata.labels[key], value, key);
  });

  it('should pass kubeconform against strict schemas, ServiceMonitor aside', async () => {
    const rendered = await helmTemplate(release, system, [`nats.namespace=${nats}`]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const manifests = manifestsOf(rendered.stdout);
    const schemas = join(dir, 'schemas');
    await writeKubernetesSchemas(schemas, new Set(manifests.map((m) => m.kind)));
    for (const crd of readdirSync(`${CHART}/crds`))
      writeCrdSchemas(schemas, `${CHART}/crds/${crd}`);
    // The operator's own CiliumNetworkPolicy, against Cilium's CRD schema.
    writeCrdSchemas(schemas, 'policies/cilium/crds/ciliumnetworkpolicies.yaml');
    assert.ok(
      manifests.some((m) => m.kind === 'CiliumNetworkPolicy'),
      'the operator policy',
    );
    const file = join(dir, 'rendered.yaml');
    writeFileSync(file, rendered.stdout);
    const result = await run('kubeconform', [
      '-schema-location',
      schemaLocation(schemas),
      '-strict',
      '-summary',
      '-output',
      'json',
      file,
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const summary = (JSON.parse(result.stdout) as { summary: { valid: number; skipped: number } })
      .summary;
    assert.equal(summary.valid, manifests.length);
    assert.equal(summary.skipped, 0);
    // With the ServiceMonitor: it renders (its CRD is the Prometheus Operator's, not here).
    const monitored = await helmTemplate(release, system, [
      `nats.namespace=${nats}`,
      'metrics.serviceMonitor.enabled=true',
    ]);
    assert.equal(monitored.code, 0, monitored.stderr);
    assert.ok(manifestsOf(monitored.stdout).some((m) => m.kind === 'ServiceMonitor'));
  });

  it('should be accepted object by object by a server-side dry-run apply', async () => {
    const rendered = await helmTemplate(release, system, [
      `nats.namespace=${nats}`,
      'webhook.enabled=true',
      'webhook.keyFile=/vault/secrets/keyring.json',
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const applied = await kubectl(
      ['apply', '--server-side', '--dry-run=server', '--validate=strict', '-o', 'name', '-f', '-'],
      rendered.stdout,
    );
    assert.equal(applied.code, 0, applied.stderr);
    const names = applied.stdout.trim().split('\n');
    assert.equal(names.length, manifestsOf(rendered.stdout).length, applied.stdout);
  });

  it("should run the operator with exactly the rendered container's args and env", async () => {
    // The ServiceAccount and RBAC for real: the operator logs in to Vault as that account.
    const first = await helmTemplate(release, system, [`nats.namespace=${nats}`]);
    assert.equal(first.code, 0, first.stderr);
    const applied = await kubectl(['apply', '--server-side', '-f', '-'], first.stdout);
    assert.equal(applied.code, 0, applied.stderr);
    login = await operatorVaultLogin(system, {}, { existingServiceAccount: 'posture-operator' });
    const [port] = await freePorts(1);
    const rendered = await helmTemplate(release, system, [
      `nats.namespace=${nats}`,
      `vault.address=${testEnv().vault!.addr}`,
      `vault.role=${login.role}`,
      `platform.vault.authMount=${login.platform.vault.authMount}`,
      `metrics.port=${port}`,
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const manifests = manifestsOf(rendered.stdout);
    const container = containerOf(manifests);
    // The pod's files, here: the ConfigMap's platform.yaml and the vault-audience token.
    const configMap = manifests.find((m) => m.kind === 'ConfigMap');
    writeFileSync(join(dir, 'platform.yaml'), configMap?.data?.['platform.yaml'] ?? '');
    const files: Record<string, string> = {
      '/etc/posture/': `${dir}/`,
      '/var/run/secrets/vault/token': login.jwtFile,
    };
    const args = container.args.map((arg) =>
      Object.entries(files).reduce((a, [from, to]) => a.replace(`=${from}`, `=${to}`), arg),
    );
    assert.ok(
      args.every((a) => !/=\/(etc|var)\//.test(a)),
      `unmapped path in ${args.join(' ')}`,
    );
    // In-cluster access, here: a kubeconfig with a token of the chart's ServiceAccount. And one
    // namespace watched, so this operator leaves other tests' objects alone.
    const token = await kubectl(['create', 'token', 'posture-operator', '-n', system]);
    assert.equal(token.code, 0, token.stderr);
    const kube = testEnv().kube;
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(kube.server, kube.caFile, token.stdout.trim()), {
      mode: 0o600,
    });
    const env: Record<string, string> = {};
    for (const e of container.env) {
      if (e.value !== undefined) env[e.name] = e.value;
      else if (e.name === 'POD_NAME') env[e.name] = 'chart-test';
      else assert.fail(`env ${e.name} has no value the test can give`);
    }
    const child = spawn(
      process.execPath,
      ['src/cli/main.ts', ...args, `--kubeconfig=${kubeconfig}`, `--watch-namespace=${system}`],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const log: string[] = [];
    child.stderr.on('data', (chunk: Buffer) => log.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await eventually(
        'ready on the rendered metrics port',
        async () => {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log.join('')}`);
          const ready = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined);
          return ready?.status === 200 || undefined;
        },
        30_000,
      );
      const healthy = await fetch(`http://127.0.0.1:${port}/healthz`);
      assert.equal(healthy.status, 200);
      const lease = await eventually('the Lease in the release namespace', () =>
        admin.get(RESOURCES.lease, { name: 'posture-operator', namespace: system }),
      );
      assert.equal((lease.spec as { holderIdentity?: string }).holderIdentity, 'chart-test');
    } catch (error) {
      throw new Error(`${String(error)}\noperator stderr: ${log.join('').slice(-1500)}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
