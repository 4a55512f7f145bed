/**
 * The Argo CD Applications `posture synth` writes (gitops/argocd/, every environment), created
 * for real on the apiserver with Argo CD's own Application CRD from the argo-cd Go module
 * (src/testenv/argocd.ts) and strict field validation, so Argo CD's structural schema judges
 * them; and the control: a wrong Application is refused, so the check can fail.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { README_FIRST_LINE } from '../../src/gitops/layout.ts';
import { synthesize } from '../../src/gitops/synth.ts';
import { writeTree } from '../../src/gitops/write.ts';
import { toYaml } from '../../src/lib/yaml.ts';
import { ensureArgoCdCrds } from '../../src/testenv/argocd.ts';
import { ARGOCD } from '../../src/testenv/components.ts';
import { waitEstablished } from '../support/crds.ts';
import { kubectl, run } from '../support/env.ts';
import { readExample, withNamespaceSuffix } from '../support/render.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const suffix = randomBytes(3).toString('hex');
const output = synthesize(withNamespaceSuffix(readExample(), suffix));
const namespace = `argocd-${suffix}`;
const dir = scratchDir('posture-argocd-');
const files = [...output.files.keys()].filter((p) => p.startsWith('argocd/'));
const applications = files.flatMap((p) =>
  parseAllDocuments(output.files.get(p)!).map(
    (d) => d.toJS() as { metadata: { name: string }; spec: Record<string, unknown> },
  ),
);
const STRICT = ['--server-side', '--field-manager=posture-tests', '--validate=strict'];

describe(`Argo CD Applications against Argo CD ${ARGOCD.version}'s CRD`, () => {
  before(async () => {
    writeTree(dir, output.files, { path: 'README.md', firstLine: README_FIRST_LINE });
    const crds = await ensureArgoCdCrds();
    const installed = await kubectl([
      'apply',
      '--server-side',
      '--force-conflicts',
      '--field-manager=posture-tests',
      '-f',
      join(crds, 'application-crd.yaml'),
    ]);
    assert.equal(installed.code, 0, installed.stderr);
    await waitEstablished('applications.argoproj.io');
    const created = await kubectl(['create', 'namespace', namespace]);
    assert.equal(created.code, 0, created.stderr);
  });
  after(async () => {
    await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  });

  it('should write a root and the apps for the base and for every environment', () => {
    assert.deepEqual(files, [
      'argocd/apps/application.yaml',
      'argocd/envs/prod/apps/application.yaml',
      'argocd/envs/prod/root/application.yaml',
      'argocd/envs/staging/apps/application.yaml',
      'argocd/envs/staging/root/application.yaml',
      'argocd/root/application.yaml',
    ]);
  });

  it('should create every Application with strict field validation', async () => {
    const result = await kubectl([
      'apply',
      ...STRICT,
      ...files.flatMap((f) => ['-f', join(dir, f)]),
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stderr, /unknown field|duplicate field/i);
    const applied = result.stdout
      .trim()
      .split('\n')
      .filter((l) => / serverside-applied$/.test(l));
    assert.equal(applied.length, applications.length, result.stdout);
  });

  it('should keep the ignore rules, sync options and overlays as written (nothing pruned)', async () => {
    const prod = applications.find((a) => a.metadata.name === `prod-titan-${suffix}-brain`);
    assert.ok(
      prod,
      `no prod-titan-${suffix}-brain in ${applications.map((a) => a.metadata.name).join(', ')}`,
    );
    const got = await kubectl([
      'get',
      '-n',
      namespace,
      'application',
      prod.metadata.name,
      '-o',
      'json',
    ]);
    assert.equal(got.code, 0, got.stderr);
    const live = JSON.parse(got.stdout) as { spec: Record<string, unknown> };
    assert.deepEqual(live.spec, prod.spec);
    assert.ok(JSON.stringify(live.spec['source']).includes('kustomize'));
  });

  it("should build an overlaid folder with kustomize to the prod digest and replicas, as Argo CD's kustomize edit would", async () => {
    type Kustomize = { images?: string[]; replicas?: { name: string; count: number }[] };
    const overlaid = applications.filter(
      (a) => (a.spec['source'] as { kustomize?: Kustomize }).kustomize !== undefined,
    );
    assert.ok(overlaid.length > 0, 'no overlaid Application');
    for (const app of overlaid) {
      const source = app.spec['source'] as { path: string; kustomize: Kustomize };
      const folder = join(dir, source.path.replace(/^gitops\//, ''));
      // What `kustomize edit set image old=new@digest` and `set replicas` write.
      const images = (source.kustomize.images ?? []).map((i) => {
        const [name, reference] = i.split('=') as [string, string];
        const [newName, digest] = reference.split('@') as [string, string];
        return { name, newName, digest };
      });
      const base = parseAllDocuments(
        readFileSync(join(folder, 'kustomization.yaml'), 'utf8'),
      )[0]!.toJS() as object;
      const overlay = { ...base, images, replicas: source.kustomize.replicas ?? [] };
      writeFileSync(join(folder, 'kustomization.yaml'), toYaml(overlay));
      const built = await run('kubectl', ['kustomize', folder]);
      assert.equal(built.code, 0, built.stderr);
      const deployment = parseAllDocuments(built.stdout)
        .map(
          (d) =>
            d.toJS() as {
              kind: string;
              spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
            },
        )
        .find((o) => o.kind === 'Deployment')!;
      for (const { newName, digest } of images)
        assert.equal(deployment.spec.template.spec.containers[0]?.image, `${newName}@${digest}`);
      for (const { count } of source.kustomize.replicas ?? [])
        assert.equal(deployment.spec.replicas, count);
      const files = readdirSync(folder).filter((f) => f !== 'kustomization.yaml');
      const objects = files.flatMap((f) =>
        parseAllDocuments(readFileSync(join(folder, f), 'utf8')),
      );
      assert.equal(
        parseAllDocuments(built.stdout).length,
        objects.length,
        `${folder}: kustomize dropped an object`,
      );
    }
  });

  it('should refuse an Application whose syncOptions is not a list of strings', async () => {
    const [first] = applications;
    const wrong = structuredClone(first!);
    wrong.metadata.name = 'wrong-sync-options';
    wrong.spec['syncPolicy'] = { syncOptions: { ServerSideApply: true } };
    const file = join(dir, 'wrong.yaml');
    writeFileSync(file, toYaml(wrong as never));
    const result = await kubectl(['apply', ...STRICT, '-f', file]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /syncOptions/);
  });

  it('should refuse an Application with a misspelled field', async () => {
    const [first] = applications;
    const wrong = structuredClone(first!);
    wrong.metadata.name = 'wrong-field';
    wrong.spec['ignoreDifference'] = wrong.spec['ignoreDifferences'];
    const file = join(dir, 'typo.yaml');
    writeFileSync(file, toYaml(wrong as never));
    const result = await kubectl(['apply', ...STRICT, '-f', file]);
    assert.notEqual(result.code, 0, result.stdout);
    assert.match(result.stderr, /\.spec\.ignoreDifference: field not declared in schema/);
  });
});
