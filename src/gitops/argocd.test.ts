import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { platformSchema, type PlatformInput } from '../api/platform/settings.ts';
import { InvalidInputError } from '../render/problems.ts';
import { applicationName, ignoreRules, prunes, syncWave } from './argocd-rules.ts';
import { imageName } from './argocd-env.ts';
import { readPlatformDir } from './source.ts';
import { synthesize } from './synth.ts';

describe('Argo CD sync waves', () => {
  const cases: [string, string, number][] = [
    ['syncs the CRDs first', 'cluster/crds', -3],
    ['syncs the namespaces after the CRDs', 'cluster/namespaces', -2],
    ['syncs the admission policies before any app', 'cluster/admission', -1],
    ["syncs a namespace's default deny before its workloads", 'apps/titan/_baseline', -1],
    ['syncs a service in the last wave', 'apps/titan/brain', 0],
    ['syncs the NATS auth Secret with the apps', 'apps/nats/posture-nats-auth', 0],
  ];
  for (const [name, folder, wave] of cases) it(name, () => assert.equal(syncWave(folder), wave));
});

describe('Argo CD Application names and pruning', () => {
  const cases: [string, string, string | undefined, string][] = [
    ['names an app folder by namespace and app', 'apps/titan/brain', undefined, 'titan-brain'],
    ['drops the underscore of the baseline folder', 'apps/titan/_baseline', undefined, 'titan-baseline'],
    ['names a cluster folder by its path', 'cluster/crds', undefined, 'cluster-crds'],
    ['prefixes the environment', 'apps/titan/brain', 'prod', 'prod-titan-brain'],
  ];
  for (const [name, folder, env, want] of cases)
    it(name, () => assert.equal(applicationName(folder, env), want));

  it('never prunes the CRDs (that would delete every CR) nor the namespaces', () => {
    assert.deepEqual(
      ['cluster/crds', 'cluster/namespaces', 'cluster/admission', 'apps/titan/brain'].map(prunes),
      [false, false, true, true],
    );
  });
});

describe('Argo CD ignore rules', () => {
  const rules = ignoreRules(platformSchema.parse({ nats: { namespace: 'bus' } }));
  const find = (kind: string) => rules.filter((r) => r.kind === kind);

  it('ignores the status of every posture kind', () => {
    for (const kind of ['TradingService', 'ExchangeCredential', 'HmacKeyRing'])
      assert.deepEqual(find(kind), [{ group: 'posture.dev', kind, jsonPointers: ['/status'] }]);
  });
  it("ignores the data of the NATS auth Secret in the platform's NATS namespace only", () => {
    assert.deepEqual(find('Secret'), [
      { group: '', kind: 'Secret', name: 'posture-nats-auth', namespace: 'bus', jsonPointers: ['/data'] },
    ]);
  });
  it("ignores the Deployment fields the operator's field manager owns", () => {
    assert.deepEqual(find('Deployment')[0]?.managedFieldsManagers, ['posture']);
  });
  it('ignores the isolation label, escaping its slash as a JSON pointer must', () => {
    assert.ok(find('Namespace')[0]?.jsonPointers?.includes('/metadata/labels/posture.dev~1isolation'));
  });
});

describe('environment overlays', () => {
  it('matches an image by its name without tag and digest', () => {
    assert.equal(imageName('ghcr.io/t/brain:v1@sha256:ab'), 'ghcr.io/t/brain');
    assert.equal(imageName('registry:5000/t/brain'), 'registry:5000/t/brain');
  });

  const titan = readPlatformDir('examples/titan');
  const withArgocd = (argocd: PlatformInput['argocd']) => ({
    ...titan,
    platform: { ...titan.platform, argocd: platformSchema.shape.argocd.parse(argocd) },
  });
  const digest = `@sha256:${'a'.repeat(64)}`;

  it('refuses an overlay for a service that is not rendered, naming the field', () => {
    const source = withArgocd({
      repoURL: 'https://git.example/x.git',
      environments: { prod: { replicas: { 'titan/brian': 2 } } },
    });
    assert.throws(
      () => synthesize(source),
      (e: unknown) =>
        e instanceof InvalidInputError &&
        e.problems.some((p) => p.path === 'argocd.environments.prod.replicas["titan/brian"]'),
    );
  });

  it('refuses an image that is not pinned by digest', () => {
    const result = platformSchema.shape.argocd.safeParse({
      repoURL: 'x',
      environments: { prod: { images: { 'titan/brain': 'ghcr.io/t/brain:latest' } } },
    });
    assert.equal(result.success, false);
  });

  it('renders no Application without an argocd block', () => {
    const files = synthesize({ ...titan, platform: { ...titan.platform, argocd: undefined } }).files;
    assert.deepEqual([...files.keys()].filter((p) => p.startsWith('argocd/') || p.endsWith('kustomization.yaml')), []);
  });

  it("overlays only the environment's own Applications and folders", () => {
    const files = synthesize(
      withArgocd({
        repoURL: 'https://git.example/x.git',
        environments: { prod: { images: { 'titan/quant': `ghcr.io/t/quant${digest}` } } },
      }),
    ).files;
    assert.ok(files.get('apps/titan/quant/kustomization.yaml')?.includes('- deployment.yaml'));
    assert.equal(files.has('apps/titan/brain/kustomization.yaml'), false);
    assert.ok(files.get('argocd/envs/prod/apps/application.yaml')?.includes(`quant${digest}`));
    assert.ok(!files.get('argocd/apps/application.yaml')?.includes('kustomize'));
  });
});
