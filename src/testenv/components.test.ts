import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { goDefaultName, wrapperDir } from './build.ts';
import { ALL_COMPONENTS, COMPONENTS } from './components.ts';

describe('pinned components', () => {
  for (const name of ALL_COMPONENTS) {
    const c = COMPONENTS[name];
    it(`${name}: the wrapper go.mod requires ${c.module} at exactly ${c.version}`, () => {
      const gomod = readFileSync(join(wrapperDir(c), 'go.mod'), 'utf8');
      assert.match(
        gomod,
        new RegExp(`^require ${c.module.replaceAll('.', '\\.')} ${c.version}$`, 'm'),
      );
      assert.ok(
        existsSync(join(wrapperDir(c), 'go.sum')),
        'go.sum is committed so builds never re-resolve',
      );
    });
    it(`${name}: tools.go imports every command it builds`, () => {
      const tools = readFileSync(join(wrapperDir(c), 'tools.go'), 'utf8');
      for (const pkg of Object.keys(c.commands)) assert.ok(tools.includes(`"${pkg}"`), pkg);
    });
  }

  it('kube replaces every staging module with the matching published version', () => {
    const gomod = readFileSync(join(wrapperDir(COMPONENTS.kube), 'go.mod'), 'utf8');
    const replaces = [...gomod.matchAll(/^\t(k8s\.io\/[\w-]+) => \1 (v\S+)$/gm)];
    assert.ok(replaces.length >= 30, `only ${replaces.length} replaces`);
    for (const [, mod, version] of replaces) assert.equal(version, 'v0.34.4', mod);
  });
});

describe('go build output names', () => {
  const cases: [string, string][] = [
    ['k8s.io/kubernetes/cmd/kubectl', 'kubectl'],
    ['go.etcd.io/etcd/server/v3', 'server'],
    ['github.com/nats-io/nats-server/v2', 'nats-server'],
    ['github.com/hashicorp/vault', 'vault'],
  ];
  for (const [pkg, name] of cases) {
    it(`names the binary of ${pkg} "${name}" as go build does`, () => {
      assert.equal(goDefaultName(pkg), name);
    });
  }
});
