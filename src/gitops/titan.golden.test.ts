/**
 * Golden files: what `posture synth` renders for examples/titan, byte for byte, under
 * test/golden/titan/. A change to render shows up as a reviewed diff of these files; rewrite
 * them on purpose with `npm run golden:update`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { README_FIRST_LINE } from './layout.ts';
import { readPlatformDir } from './source.ts';
import { synthesize } from './synth.ts';
import { listFiles, writeTree } from './write.ts';

const GOLDEN = 'test/golden/titan';
const update = process.env['POSTURE_UPDATE_GOLDEN'] === '1';

describe('golden files of examples/titan', () => {
  const { files } = synthesize(readPlatformDir('examples/titan'));

  if (update) {
    it('rewrites test/golden/titan and gitops/ (POSTURE_UPDATE_GOLDEN=1)', () => {
      for (const dir of [GOLDEN, 'gitops']) {
        writeTree(dir, files, { path: 'README.md', firstLine: README_FIRST_LINE });
      }
    });
    return;
  }

  it('should render exactly the golden set of files', () => {
    assert.deepEqual([...files.keys()].sort(), listFiles(GOLDEN), 'run `npm run golden:update` and review the diff');
  });

  it('should find gitops/ rendered from examples/titan as committed (run `npm run synth`)', () => {
    const committed = new Map(listFiles('gitops').map((f) => [f, readFileSync(join('gitops', f), 'utf8')]));
    assert.deepEqual(committed, files, 'gitops/ is stale: run `npm run synth` and commit it');
  });

  for (const [path, content] of files) {
    it(`should render ${path} byte for byte as its golden file`, () => {
      const golden = readFileSync(join(GOLDEN, path), 'utf8');
      assert.equal(content, golden, `${path} changed: run \`npm run golden:update\` and review the diff`);
    });
  }
});
