import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { octokitRepo } from '../github/octokit.ts';
import { FakeGitHub } from '../github/testing/fake-github.ts';
import type { RetryPolicy } from '../github/retry.ts';
import { promote } from './promote.ts';

const SLUG = 'acme/platform';
const TOKEN = 'test-token';

const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: brain\n  namespace: titan\nspec:\n  image: ${image}\n`;
const service = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: brain\n  namespace: titan\n';
const policy =
  'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: old\n  namespace: titan\n';

/** main: five commits touch gitops/ (two unsigned), one does not; pages of two → three pages. */
function seed(fake: FakeGitHub): void {
  fake.store.seedBranch('main', [
    {
      message: 'start',
      files: { 'README.md': 'hi\n', 'gitops/README.md': '# gitops\n' },
      verified: true,
    },
    {
      message: 'add brain',
      files: { 'gitops/apps/titan/brain/deployment.yaml': deployment('v1') },
      verified: true,
    },
    {
      message: 'hand edit\n\nno signature',
      files: { 'gitops/apps/titan/brain/ciliumnetworkpolicy.yaml': policy },
      verified: false,
    },
    { message: 'docs only', files: { 'README.md': 'hello\n' }, verified: false },
    { message: 'review', files: { 'gitops/review/vault.json': '{}\n' }, verified: true },
    {
      message: 'unsigned bump',
      files: { 'gitops/review/vault.json': '{"a":1}\n' },
      verified: false,
    },
  ]);
}

const render = (image: string) =>
  new Map([
    ['README.md', '# gitops\n'],
    ['apps/titan/brain/deployment.yaml', deployment(image)],
    ['apps/titan/brain/service.yaml', service],
    ['review/vault.json', '{"a":1}\n'],
  ]);

interface Harness {
  fake: FakeGitHub;
  sleeps: number[];
  run(files: Map<string, string>, dryRun?: boolean): ReturnType<typeof promote>;
}

async function harness(options: { enterprise?: boolean; retry?: Partial<RetryPolicy> } = {}) {
  const fake = await new FakeGitHub({
    slug: SLUG,
    token: TOKEN,
    enterprise: options.enterprise,
  }).start();
  seed(fake);
  const sleeps: number[] = [];
  const repo = octokitRepo({
    slug: SLUG,
    baseUrl: fake.url,
    token: TOKEN,
    pageSize: 2,
    retry: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      ...options.retry,
    },
  });
  const run = (files: Map<string, string>, dryRun = false) =>
    promote({ repo, env: 'prod', base: 'main', files, dryRun });
  return { fake, sleeps, run, repo };
}

function branchFiles(fake: FakeGitHub, branch: string): Map<string, string> {
  const head = fake.store.commits.get(fake.store.refs.get(`heads/${branch}`)!)!;
  return fake.store.files(head.tree);
}

describe('posture promote against a GitHub that validates every body against its OpenAPI description', () => {
  let h: Harness & { repo: ReturnType<typeof octokitRepo> };
  beforeEach(async () => {
    h = await harness();
  });
  afterEach(async () => {
    await h.fake.stop();
    assert.deepEqual(h.fake.violations, []);
  });

  it('opens one pull request listing changed objects per app and kind, and the unsigned commits', async () => {
    const result = await h.run(render('v2'));
    assert.equal(result.outcome, 'committed');
    assert.equal(result.pull?.action, 'created');
    assert.deepEqual(
      result.files.map((f) => `${f.kind} ${f.path}`),
      [
        'change apps/titan/brain/deployment.yaml',
        'delete apps/titan/brain/ciliumnetworkpolicy.yaml',
        'add apps/titan/brain/service.yaml',
      ].sort((a, b) => a.split(' ')[1]!.localeCompare(b.split(' ')[1]!)),
    );
    const body = h.fake.store.pulls[0]!.body;
    assert.match(
      body,
      /^\| `apps\/titan\/brain` \| CiliumNetworkPolicy \| {2}\| {2}\| `titan\/old` \|$/m,
    );
    assert.match(body, /^\| `apps\/titan\/brain` \| Deployment \| {2}\| `titan\/brain` \| {2}\|$/m);
    assert.match(body, /^\| `apps\/titan\/brain` \| Service \| `titan\/brain` \| {2}\| {2}\|$/m);
    assert.match(body, /\*\*2 of 5 commits are not verified\*\*/);
    assert.match(body, /^- [0-9a-f]{12} unsigned bump \(Seed Author; unsigned\)$/m);
    assert.match(body, /^- [0-9a-f]{12} hand edit \(Seed Author; unsigned\)$/m);
    assert.equal(h.fake.exchanges.filter((e) => e.op === 'repos/list-commits').length, 3);
    const branch = branchFiles(h.fake, 'posture/promote-prod');
    assert.equal(
      branch.get('README.md'),
      h.fake.store.files(h.fake.store.commits.get(result.baseSha)!.tree).get('README.md'),
      'files outside gitops/ are kept',
    );
    assert.deepEqual(
      [...branch.keys()].filter((p) => p.startsWith('gitops/')).sort(),
      [...render('v2').keys()].map((p) => `gitops/${p}`).sort(),
    );
    assert.equal(h.fake.store.refs.get('heads/main'), result.baseSha, 'main is never written');
  });

  it('makes no commit and writes nothing on a second run with nothing changed', async () => {
    await h.run(render('v2'));
    const before = h.fake.writes().length;
    const again = await h.run(render('v2'));
    assert.equal(again.outcome, 'up-to-date');
    assert.equal(again.pull?.action, 'unchanged');
    assert.equal(h.fake.writes().length, before);
  });

  it('updates the one open pull request when the render changes', async () => {
    const first = await h.run(render('v2'));
    const changed = render('v3');
    changed.delete('apps/titan/brain/service.yaml');
    const second = await h.run(changed);
    assert.equal(second.outcome, 'committed');
    assert.equal(second.pull?.action, 'updated');
    assert.equal(second.pull?.number, first.pull?.number);
    assert.equal(h.fake.store.pulls.length, 1);
    assert.notEqual(second.commit, first.commit);
    const branch = branchFiles(h.fake, 'posture/promote-prod');
    assert.equal(branch.has('gitops/apps/titan/brain/service.yaml'), false);
    assert.doesNotMatch(h.fake.store.pulls[0]!.body, /Service/);
  });

  it('updates the pull request another run opened meanwhile when GitHub refuses a second one', async () => {
    await h.run(render('v2'));
    // The other run's pull request is not listed yet when this run looks.
    h.fake.inject('pulls/list', { status: 200, body: [] });
    const changed = render('v2');
    changed.delete('apps/titan/brain/service.yaml');
    const result = await h.run(changed);
    assert.equal(result.pull?.action, 'updated');
    assert.equal(h.fake.store.pulls.length, 1);
    assert.deepEqual(
      h.fake.exchanges
        .filter((e) => e.op.startsWith('pulls/'))
        .slice(-4)
        .map((e) => `${e.op} ${e.status}`),
      ['pulls/list 200', 'pulls/create 422', 'pulls/list 200', 'pulls/update 200'],
    );
  });

  it('plans without writing on a dry run', async () => {
    const result = await h.run(render('v2'), true);
    assert.equal(result.outcome, 'planned');
    assert.equal(result.files.length, 3);
    assert.deepEqual(h.fake.writes(), []);
  });

  it('says there is nothing to promote when the target branch already holds the render', async () => {
    const current = new Map([
      ['README.md', '# gitops\n'],
      ['apps/titan/brain/deployment.yaml', deployment('v1')],
      ['apps/titan/brain/ciliumnetworkpolicy.yaml', policy],
      ['review/vault.json', '{"a":1}\n'],
    ]);
    const result = await h.run(current);
    assert.equal(result.outcome, 'nothing-to-promote');
    assert.deepEqual(h.fake.writes(), []);
  });

  it('waits what GitHub asks on secondary rate limits (403 and 429 with retry-after) and goes on', async () => {
    const limited = (status: number, seconds: string) => ({
      status,
      headers: { 'retry-after': seconds },
      body: {
        message: 'You have exceeded a secondary rate limit.',
        documentation_url: 'https://docs.github.com/rest',
      },
    });
    h.fake.inject('git/get-ref', limited(403, '1'));
    h.fake.inject('repos/list-commits', limited(429, '2'));
    const result = await h.run(render('v2'));
    assert.equal(result.outcome, 'committed');
    assert.deepEqual(h.sleeps, [1000, 2000]);
    assert.deepEqual(
      h.fake.exchanges
        .filter((e) => e.status === 403 || e.status === 429)
        .map((e) => `${e.op} ${e.status}`),
      ['git/get-ref 403', 'repos/list-commits 429'],
    );
  });

  it('refuses to wait longer than its cap and says how long GitHub asked', async () => {
    h.fake.inject('git/get-ref', {
      status: 429,
      headers: { 'retry-after': '3600' },
      body: { message: 'slow down', documentation_url: 'https://docs.github.com/rest' },
    });
    await assert.rejects(
      h.run(render('v2')),
      /asks to wait 3600 s, more than the 120 s posture waits/,
    );
    assert.deepEqual(h.sleeps, []);
  });

  it('names what GitHub refused and why on a 422', async () => {
    const main = h.fake.store.refs.get('heads/main')!;
    await assert.rejects(
      h.repo.createBranch('main', main),
      /GitHub refused to create branch main at [0-9a-f]{40} \(HTTP 422\): Reference already exists/,
    );
    await h.run(render('v2'));
    await assert.rejects(
      h.repo.createPull({ head: 'posture/promote-prod', base: 'main', title: 't', body: 'b' }),
      /refused to open a pull request from posture\/promote-prod into main \(HTTP 422\): Validation Failed; A pull request already exists for acme:posture\/promote-prod\./,
    );
  });

  it('catches a response body that breaks the schema', async () => {
    h.fake.corrupt = (op, body) => {
      if (op !== 'git/get-ref') return body;
      const { object, ...rest } = body as { object: Record<string, unknown> };
      return { ...rest, object: { ...object, sha: 42 } };
    };
    await h.run(render('v2'), true).catch(() => undefined);
    assert.match(h.fake.violations.join('\n'), /git\/get-ref 200: \/object\/sha must be string/);
    h.fake.violations.length = 0;
  });

  it('catches a request body that breaks the schema and answers it with a 422', async () => {
    const response = await fetch(`${h.fake.url}/repos/${SLUG}/git/refs`, {
      method: 'POST',
      headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'refs/heads/x' }),
    });
    assert.equal(response.status, 422);
    const listed = await fetch(`${h.fake.url}/repos/${SLUG}/pulls?state=merged&colour=red`, {
      headers: { authorization: `token ${TOKEN}` },
    });
    assert.equal(listed.status, 422);
    const problems = h.fake.violations.join('\n');
    assert.match(
      problems,
      /pulls\/list request: query parameter state=merged: \/ must be equal to one of the allowed values/,
    );
    assert.match(problems, /pulls\/list request: query parameter colour is not described/);
    assert.match(
      h.fake.violations.join('\n'),
      /git\/create-ref request: \/ must have required property 'sha'/,
    );
    h.fake.violations.length = 0;
  });
});

describe('posture promote against GitHub Enterprise Server', () => {
  it('serves the same promotion under /api/v3, validated against the GHES description', async () => {
    const h = await harness({ enterprise: true });
    try {
      assert.match(h.fake.url, /\/api\/v3$/);
      const result = await h.run(render('v2'));
      assert.equal(result.pull?.action, 'created');
      assert.ok(h.fake.exchanges.length > 10);
      assert.deepEqual(h.fake.violations, []);
    } finally {
      await h.fake.stop();
    }
  });
});
