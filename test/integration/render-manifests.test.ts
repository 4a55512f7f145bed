/**
 * Every object `posture synth` renders for the Titan example, and the Cilium baseline policies,
 * checked twice: by kubeconform against strict JSON schemas of Kubernetes v1.34 (from the real
 * apiserver) and of Cilium's CRDs, and by server-side dry-run apply with strict field validation
 * on the real apiserver, where Cilium's CRDs are installed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { synthesize } from '../../src/gitops/synth.ts';
import { writeTree } from '../../src/gitops/write.ts';
import { README_FIRST_LINE } from '../../src/gitops/layout.ts';
import { toYaml } from '../../src/lib/yaml.ts';
import { kindOf } from '../../src/render/objects.ts';
import { kubectl, run } from '../support/env.ts';
import { schemaLocation, writeCrdSchemas, writeKubernetesSchemas } from '../support/kubeconform.ts';
import { readExample, withNamespaceSuffix } from '../support/render.ts';
import type { Json } from '../../src/lib/json.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const suffix = randomBytes(3).toString('hex');
const source = withNamespaceSuffix(readExample(), suffix);
const output = synthesize(source);
const dir = scratchDir('posture-render-');
const gitops = join(dir, 'gitops');
const schemas = join(dir, 'schemas');
const BASELINE_DIR = 'policies/cilium';
const baseline = readdirSync(BASELINE_DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => join(BASELINE_DIR, f));
const manifests = [...output.files.keys()]
  // Argo CD's Applications and kustomization.yaml are not objects of the platform: their own
  // test (argocd-applications.test.ts) applies them with Argo CD's CRD installed.
  .filter(
    (p) =>
      p.endsWith('.yaml') &&
      !p.startsWith('review/') &&
      !p.startsWith('argocd/') &&
      !p.endsWith('/kustomization.yaml'),
  )
  .map((p) => join(gitops, p));
const namespaces = [`titan-${suffix}`, `nats-${suffix}`, `devtroncd-${suffix}`];

describe('rendered manifests against Kubernetes v1.34 and Cilium', () => {
  before(async () => {
    writeTree(gitops, output.files, { path: 'README.md', firstLine: README_FIRST_LINE });
    const kinds = new Set(output.rendered.objects.map((o) => kindOf(o.manifest)));
    const written = await writeKubernetesSchemas(schemas, kinds);
    writeCrdSchemas(schemas, `${BASELINE_DIR}/crds/ciliumnetworkpolicies.yaml`);
    assert.ok(
      written.includes('deployment-apps-v1'),
      `no Deployment schema in ${written.join(', ')}`,
    );
    // The rendered Namespace objects for real (with their Pod Security labels), NATS's by hand.
    const rendered = join(gitops, 'cluster/namespaces/namespace.yaml');
    const applied = await kubectl([
      'apply',
      '--server-side',
      '--field-manager=posture',
      '-f',
      rendered,
    ]);
    assert.equal(applied.code, 0, applied.stderr);
    for (const namespace of [`nats-${suffix}`, `devtroncd-${suffix}`]) {
      const created = await kubectl(['create', 'namespace', namespace]);
      assert.equal(created.code, 0, created.stderr);
    }
  });
  after(async () => {
    await kubectl(['delete', 'namespace', ...namespaces, '--wait=false']);
  });

  it('should render every kind the brief asks for', () => {
    const kinds = new Set(output.rendered.objects.map((o) => kindOf(o.manifest)));
    for (const kind of [
      'Namespace',
      'CustomResourceDefinition',
      'ServiceAccount',
      'Deployment',
      'Service',
      'CiliumNetworkPolicy',
      'Secret',
      'Role',
      'RoleBinding',
    ]) {
      assert.ok(kinds.has(kind), `no ${kind} rendered`);
    }
  });

  it('should render the ingress controller and the scrapers into the CiliumNetworkPolicies', () => {
    type Rule = {
      fromEndpoints?: { matchLabels?: Record<string, string> }[];
      toPorts?: { ports: { port: string }[] }[];
    };
    const rules = output.rendered.objects
      .filter((o) => kindOf(o.manifest) === 'CiliumNetworkPolicy')
      .flatMap((o) => (o.manifest['spec'] as { ingress?: Rule[] }).ingress ?? []);
    const from = (namespace: string) =>
      rules.filter((r) =>
        r.fromEndpoints?.some(
          (e) => e.matchLabels?.['k8s:io.kubernetes.pod.namespace'] === namespace,
        ),
      );
    const ports = (r: Rule) => r.toPorts?.flatMap((t) => t.ports.map((p) => p.port));
    assert.deepEqual(from('ingress-nginx').map(ports), [['8080']]);
    // Every service with a port named metrics (9090 in the example), on that port only.
    assert.deepEqual(from('monitoring').map(ports), Array(7).fill(['9090']));
  });

  it('should pass kubeconform with strict schemas, no schema missing', async () => {
    const args = [
      '-schema-location',
      schemaLocation(schemas),
      '-strict',
      '-summary',
      '-output',
      'json',
    ];
    const result = await run('kubeconform', [...args, ...manifests, ...baseline]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const summary = JSON.parse(result.stdout) as {
      summary: { valid: number; invalid: number; errors: number; skipped: number };
    };
    assert.equal(summary.summary.valid, output.rendered.objects.length + baseline.length);
    assert.deepEqual(
      [summary.summary.invalid, summary.summary.errors, summary.summary.skipped],
      [0, 0, 0],
    );
  });

  it('should fail kubeconform on a misspelled field, so the schemas are really strict', async () => {
    const deployment = output.rendered.objects.find((o) => kindOf(o.manifest) === 'Deployment')!;
    const typo = {
      ...deployment.manifest,
      spec: { ...(deployment.manifest['spec'] as object), replica: 2 },
    };
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, toYaml(typo));
    const result = await run('kubeconform', [
      '-schema-location',
      schemaLocation(schemas),
      '-strict',
      file,
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stdout, /replica/);
  });

  it('should be accepted by the apiserver in a server-side dry run with strict field validation', async () => {
    const args = [
      'apply',
      '--server-side',
      '--field-manager=posture',
      '--dry-run=server',
      '--validate=strict',
    ];
    const result = await kubectl([...args, ...manifests.flatMap((m) => ['-f', m])]);
    assert.equal(result.code, 0, result.stderr);
    const applied = result.stdout
      .trim()
      .split('\n')
      .filter((l) => / serverside-applied \(server dry run\)$/.test(l));
    assert.equal(applied.length, output.rendered.objects.length, result.stdout);
  });

  it("should admit every Deployment's pod under Pod Security restricted", async () => {
    const pods = output.rendered.objects
      .filter((o) => kindOf(o.manifest) === 'Deployment')
      .map(({ manifest }) => {
        const { metadata, spec } = manifest as {
          metadata: { name: string; namespace: string };
          spec: { template: { spec: Json } };
        };
        return toYaml({ apiVersion: 'v1', kind: 'Pod', metadata, spec: spec.template.spec });
      });
    // Pods need their ServiceAccounts to exist (ServiceAccount admission runs first).
    const accounts = manifests.filter((m) => m.endsWith('/serviceaccount.yaml'));
    const made = await kubectl(['apply', '--server-side', ...accounts.flatMap((m) => ['-f', m])]);
    assert.equal(made.code, 0, made.stderr);
    const file = join(dir, 'pods.yaml');
    writeFileSync(file, pods.map((p) => `---\n${p}`).join(''));
    const result = await kubectl(['create', '--dry-run=server', '-f', file]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /PodSecurity|violate/i);
    assert.equal(result.stdout.trim().split('\n').length, pods.length, result.stdout);
    // The control: the same namespace refuses a pod that breaks the profile, so it is enforced.
    const root = toYaml({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'root', namespace: `titan-${suffix}` },
      spec: {
        containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }],
      },
    });
    writeFileSync(file, root);
    const refused = await kubectl(['create', '--dry-run=server', '-f', file]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /violates PodSecurity "restricted/);
  });

  it('should accept the Cilium baseline policies in a namespace', async () => {
    const args = [
      '-n',
      `titan-${suffix}`,
      'apply',
      '--server-side',
      '--dry-run=server',
      '--validate=strict',
    ];
    const result = await kubectl([...args, ...baseline.flatMap((m) => ['-f', m])]);
    assert.equal(result.code, 0, result.stderr);
  });
});
