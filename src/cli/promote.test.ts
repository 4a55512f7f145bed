import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeGitHub } from '../github/testing/fake-github.ts';
import { buildProgram } from './main.ts';
import { runPromote, type PromoteCliOptions } from './promote.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const TOKEN = 'cli-token';

function capture() {
  let text = '';
  return {
    write: (s: string) => (text += s),
    get text() {
      return text;
    },
  };
}

describe('posture promote', () => {
  let fake: FakeGitHub;
  const work = scratchDir('posture-promote-');
  const tokenFile = join(work, 'token');
  writeFileSync(tokenFile, `${TOKEN}\n`);

  before(async () => {
    // GitHub Enterprise Server: --api-url is the bare host; posture adds /api/v3.
    fake = await new FakeGitHub({ slug: 'acme/platform', token: TOKEN, enterprise: true }).start();
    fake.store.seedBranch('main', [
      { message: 'start', files: { 'README.md': 'platform\n' }, verified: true },
      { message: 'hand-made gitops', files: { 'gitops/README.md': 'old\n' }, verified: false },
    ]);
  });
  after(async () => {
    await fake.stop();
    assert.deepEqual(fake.violations, []);
  });

  async function run(extra: Partial<PromoteCliOptions>, env: Record<string, string> = {}) {
    const [stdout, stderr] = [capture(), capture()];
    const options: PromoteCliOptions = {
      repo: 'acme/platform',
      env: 'prod',
      in: 'examples/titan',
      base: 'main',
      apiUrl: fake.url.replace(/\/api\/v3$/, ''),
      ...extra,
    };
    const code = await runPromote(options, { env, stdout, stderr });
    return { code, stdout: stdout.text, stderr: stderr.text };
  }

  it('lists every flag, with the default base branch, in --help', () => {
    const help = buildProgram()
      .commands.find((c) => c.name() === 'promote')!
      .helpInformation();
    for (const flag of ['--repo', '--env', '--base', '--api-url', '--token-file', '--dry-run']) {
      assert.match(help, new RegExp(`${flag} `));
    }
    assert.match(help, /default: "main"/);
  });

  it('refuses to write without a token, naming where a token comes from', async () => {
    const result = await run({});
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or pass --token-file/,
    );
  });

  it('refuses an env that cannot name a branch', async () => {
    const result = await run({ env: 'prod branch', tokenFile });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /--env "prod branch" must be letters, digits/);
  });

  it('prints the plan and the pull request text on a dry run, writing nothing', async () => {
    const result = await run({ dryRun: true }, { GH_TOKEN: TOKEN });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^\d+ files in gitops\/ differ from main:$/m);
    assert.match(result.stdout, /^ {2}add {4}gitops\/apps\/titan\/brain\/deployment\.yaml$/m);
    assert.match(result.stdout, /^ {2}change gitops\/README\.md$/m);
    assert.match(result.stdout, /^\| `apps\/titan\/brain` \| Deployment \| `titan\/brain` \|/m);
    assert.match(result.stderr, /1 of 1 commits on main touching gitops\/ are not verified/);
    assert.deepEqual(fake.writes(), []);
  });

  it('opens the pull request, then makes no commit on a second run, and exits 3 when asked for signed commits', async () => {
    const first = await run({ tokenFile });
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /committed [0-9a-f]{12} to posture\/promote-prod; pull request #1 created: /,
    );
    const writes = fake.writes().length;
    const second = await run({ requireSigned: true }, { GITHUB_TOKEN: TOKEN });
    assert.equal(second.code, 3, second.stderr);
    assert.match(
      second.stdout,
      /nothing changed since the last run: no commit; pull request #1 unchanged/,
    );
    assert.equal(fake.writes().length, writes);
  });

  it('says what GitHub refused when the repository does not exist', async () => {
    const result = await run({ repo: 'acme/missing', tokenFile });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /acme\/missing has no branch main/);
  });
});
