import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pullText, type BodyInput } from './body.ts';
import type { ObjectChange } from './plan.ts';

const input = (objects: ObjectChange[], verified: boolean[]): BodyInput => ({
  env: 'prod',
  base: 'main',
  baseSha: 'a'.repeat(40),
  files: [
    { path: 'apps/ns/app/deployment.yaml', kind: 'change', sha: 'b'.repeat(40) },
    { path: 'README.md', kind: 'add', sha: 'c'.repeat(40) },
  ],
  objects: new Map([
    ['apps/ns/app/deployment.yaml', objects],
    ['README.md', undefined],
  ]),
  commits: verified.map((v, i) => ({
    sha: String(i).repeat(40),
    subject: `commit ${i}`,
    author: 'Ann',
    verified: v,
    reason: v ? 'valid' : 'unsigned',
  })),
});

describe('pullText', () => {
  it('names the env in the title and groups object names per app and kind', () => {
    const text = pullText(
      input(
        [
          { app: 'apps/ns/app', kind: 'Deployment', name: 'ns/b', change: 'changed' },
          { app: 'apps/ns/app', kind: 'Deployment', name: 'ns/a', change: 'changed' },
          { app: 'apps/ns/app', kind: 'Deployment', name: 'ns/c', change: 'added' },
        ],
        [true, true],
      ),
    );
    assert.equal(text.title, 'posture promote: prod');
    assert.match(
      text.body,
      /^\| `apps\/ns\/app` \| Deployment \| `ns\/c` \| `ns\/a`, `ns\/b` \| {2}\|$/m,
    );
    assert.match(text.body, /^- `gitops\/README\.md` \(add\)$/m);
    assert.match(text.body, /^All 2 commits are signed and verified\.$/m);
  });

  it('lists each unverified commit with its reason', () => {
    const text = pullText(input([], [true, false]));
    assert.match(text.body, /\*\*1 of 2 commits are not verified\*\*/);
    assert.match(text.body, /^- 111111111111 commit 1 \(Ann; unsigned\)$/m);
    assert.match(text.body, /^No Kubernetes object changes\.$/m);
  });

  it('cuts a table too large for a GitHub pull request body, saying how much was shown', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({
      app: `apps/ns/app-${String(i).padStart(4, '0')}`,
      kind: 'Deployment',
      name: `ns/app-${i}`,
      change: 'added' as const,
    }));
    const text = pullText(input(many, [true]));
    assert.ok(text.body.length < 65_536, `${text.body.length} characters`);
    assert.match(
      text.body,
      /\((\d+) of 5000 rows shown; `posture promote --dry-run` prints them all\)/,
    );
  });

  it('writes the same text for the same plan', () => {
    const a = pullText(input([], [false]));
    const b = pullText(input([], [false]));
    assert.deepEqual(a, b);
  });
});
