import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cacheName, goDefaultName, ldflags, wrapperDir } from './build.ts';
import { ALL_COMPONENTS, COMPONENTS, type Component } from './components.ts';

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

  it('link variables name the cache folder, so changing them rebuilds (CI caches by folder)', () => {
    for (const name of ALL_COMPONENTS) {
      const c: Component = COMPONENTS[name];
      if (c.linkVars) assert.ok(c.variant, `${name} sets link variables but has no variant`);
    }
    assert.equal(cacheName(COMPONENTS.helm), 'helm-v3.19.0-release-k8s1.34');
    assert.equal(cacheName(COMPONENTS.kubeconform), 'kubeconform-v0.7.0');
  });

  it("helm is linked like a release: its version, and Kubernetes 1.34 (its client-go's)", () => {
    const flags = ldflags(COMPONENTS.helm);
    assert.match(flags, /^-s -w /);
    assert.match(flags, / -X helm\.sh\/helm\/v3\/pkg\/chartutil\.k8sVersionMinor=34( |$)/);
    assert.match(flags, / -X helm\.sh\/helm\/v3\/pkg\/lint\/rules\.k8sVersionMinor=34( |$)/);
    assert.match(flags, / -X helm\.sh\/helm\/v3\/internal\/version\.version=v3\.19\.0( |$)/);
    const gomod = readFileSync(join(wrapperDir(COMPONENTS.helm), 'go.sum'), 'utf8');
    assert.match(gomod, /^k8s\.io\/client-go v0\.34\.\d+ /m, 'k8sVersionMinor follows client-go');
  });

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
