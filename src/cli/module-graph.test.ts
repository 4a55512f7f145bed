import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const main = join(import.meta.dirname, 'main.ts');

// Loads `main` with a resolve hook and prints every module URL it resolved.
const LIST_MODULES = `
const { registerHooks } = require('node:module');
const seen = [];
registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r; } });
import(process.argv[1]).then(() => process.stdout.write(JSON.stringify(seen)));
`;

/**
 * The operator process loads the CLI (main.ts). The cdk8s-generated classes and cdk8s under
 * them held about 20 MB of its resident memory for types it never ran (docs/adr/0065); render
 * carries kinds instead. This holds that no import brings them back.
 */
describe('the modules the posture CLI loads', () => {
  it('should include neither cdk8s, its generated classes nor constructs', async () => {
    const { stdout } = await exec(process.execPath, ['-e', LIST_MODULES, main]);
    const urls = JSON.parse(stdout) as string[];
    assert.ok(
      urls.some((u) => u.endsWith('/src/render/index.ts')),
      'render was not loaded',
    );
    const heavy = urls.filter((u) =>
      /\/node_modules\/(cdk8s|cdk8s-plus-33|constructs)\/|\/src\/imports\/cilium\.io\.js$/.test(u),
    );
    assert.deepEqual(heavy, []);
  });
});
