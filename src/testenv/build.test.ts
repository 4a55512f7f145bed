import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BuildError, buildComponents } from './build.ts';
import type { Component } from './components.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

// Tiny wrapper modules with no dependencies: the real build path (download, go build, rename,
// cache) in about a second, without the proxy.
function wrapper(root: string, name: string, main: string): Component {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), `module example.test/${name}\n\ngo 1.22\n`);
  writeFileSync(join(dir, 'main.go'), main);
  return {
    name,
    module: `example.test/${name}`,
    version: 'v0.0.1',
    commands: { [`example.test/${name}`]: `${name}-bin` },
    coldMinutes: 0,
    wrapper: dir,
  };
}

describe('building a component', () => {
  const root = scratchDir('posture-build-');
  const previous = process.env.POSTURE_TESTENV_CACHE;
  const lines: string[] = [];
  before(() => {
    process.env.POSTURE_TESTENV_CACHE = join(root, 'cache');
  });
  after(() => {
    if (previous === undefined) delete process.env.POSTURE_TESTENV_CACHE;
    else process.env.POSTURE_TESTENV_CACHE = previous;
  });

  it('should build, name the binary as asked, and reuse it from the cache', async () => {
    const hello = wrapper(root, 'hello', 'package main\n\nfunc main() { println("hi") }\n');
    const first = await buildComponents([hello], (l) => lines.push(l));
    const bin = first['hello-bin'];
    assert.ok(bin, 'binary path returned');
    assert.equal(execFileSync(bin, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), '');
    const built = statSync(bin).mtimeMs;
    lines.length = 0;
    await buildComponents([hello], (l) => lines.push(l));
    assert.deepEqual(lines, [], 'a cached component is not rebuilt');
    assert.equal(statSync(bin).mtimeMs, built);
  });

  it('should fail naming the module and version, and cache nothing', async () => {
    const broken = wrapper(root, 'broken', 'package main\n\nfunc main() { undefined() }\n');
    await assert.rejects(
      buildComponents([broken], () => undefined),
      (error: Error) => {
        assert.ok(error instanceof BuildError);
        assert.match(error.message, /go build failed for example\.test\/broken@v0\.0\.1/);
        assert.match(error.message, /undefined: undefined/);
        return true;
      },
    );
    await assert.rejects(
      buildComponents([broken], () => undefined),
      BuildError,
    );
  });
});
