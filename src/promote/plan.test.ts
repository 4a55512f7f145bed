import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { envProblem, gitBlobSha, objectChanges, planFiles, promotionBranch } from './plan.ts';

const doc = (kind: string, name: string, extra = '') =>
  `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ns\n${extra}`;

describe('gitBlobSha', () => {
  it('gives the SHA git gives the same bytes', () => {
    // `printf 'hello\n' | git hash-object --stdin`
    assert.equal(gitBlobSha('hello\n'), 'ce013625030ba8dba906f756967f9e9ca394464a');
    assert.equal(gitBlobSha(''), 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
  });
});

describe('planFiles', () => {
  const cases: {
    name: string;
    rendered: Record<string, string>;
    current: Record<string, string>;
    expected: string[];
  }[] = [
    {
      name: 'plans nothing when the branch holds the same bytes',
      rendered: { 'a.yaml': 'x\n' },
      current: { 'a.yaml': 'x\n' },
      expected: [],
    },
    {
      name: 'adds, changes and deletes, sorted by path',
      rendered: { 'b.yaml': 'new\n', 'c.yaml': 'added\n' },
      current: { 'a.yaml': 'gone\n', 'b.yaml': 'old\n' },
      expected: ['delete a.yaml', 'change b.yaml', 'add c.yaml'],
    },
    {
      name: 'deletes every file when nothing is rendered',
      rendered: {},
      current: { 'x/y.yaml': 'y\n' },
      expected: ['delete x/y.yaml'],
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, () => {
      const current = new Map(Object.entries(c.current).map(([p, t]) => [p, gitBlobSha(t)]));
      const plan = planFiles(new Map(Object.entries(c.rendered)), current);
      assert.deepEqual(
        plan.map((f) => `${f.kind} ${f.path}`),
        c.expected,
      );
      for (const f of plan) {
        assert.equal(f.sha, f.kind === 'delete' ? null : gitBlobSha(c.rendered[f.path]!));
      }
    });
  }
});

describe('objectChanges', () => {
  const cases: {
    name: string;
    path: string;
    before?: string;
    after?: string;
    expected: string[] | undefined;
  }[] = [
    {
      name: 'names an added, a changed and a removed object of one file',
      path: 'apps/ns/app/configmap.yaml',
      before: `${doc('ConfigMap', 'a')}---\n${doc('ConfigMap', 'b', 'data:\n  k: v\n')}`,
      after: `${doc('ConfigMap', 'b', 'data:\n  k: w\n')}---\n${doc('ConfigMap', 'c')}`,
      expected: [
        'changed apps/ns/app ConfigMap ns/b',
        'added apps/ns/app ConfigMap ns/c',
        'removed apps/ns/app ConfigMap ns/a',
      ],
    },
    {
      name: 'sees no change when only the formatting differs',
      path: 'apps/ns/app/service.yaml',
      before: doc('Service', 's'),
      after:
        '{"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": "ns", "name": "s"}}\n',
      expected: [],
    },
    {
      name: 'takes every object of a new file as added',
      path: 'cluster/crds/customresourcedefinition.yaml',
      after: 'kind: CustomResourceDefinition\nmetadata:\n  name: a.posture.dev\n',
      expected: ['added cluster/crds CustomResourceDefinition a.posture.dev'],
    },
    {
      name: 'leaves review files to the file list',
      path: 'review/vault/ns/app.json',
      after: '{}\n',
      expected: undefined,
    },
    {
      name: 'leaves a hand-edited file that is not YAML manifests to the file list',
      path: 'apps/ns/app/deployment.yaml',
      before: 'key: [unclosed\n',
      after: doc('Deployment', 'd'),
      expected: undefined,
    },
  ];
  for (const c of cases) {
    it(`${c.name}`, () => {
      const changes = objectChanges(c.path, c.before, c.after);
      assert.deepEqual(
        changes?.map((o) => `${o.change} ${o.app} ${o.kind} ${o.name}`),
        c.expected,
      );
    });
  }
});

describe('promotion branch', () => {
  it('is one branch per env', () => {
    assert.equal(promotionBranch('prod'), 'posture/promote-prod');
  });
  for (const env of ['prod branch', '../main', '-x', '', 'a..b', 'prod~1']) {
    it(`refuses the env ${JSON.stringify(env)}, which cannot name a branch`, () => {
      assert.match(envProblem(env) ?? '', /must be letters, digits/);
    });
  }
  for (const env of ['prod', 'staging-eu', 'v1.2']) {
    it(`accepts the env ${env}`, () => assert.equal(envProblem(env), undefined));
  }
});
