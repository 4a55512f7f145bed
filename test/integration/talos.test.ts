/**
 * Issue 18, item 3: talos/patches/ are checked by Talos's own code. `talosvalidate` (built from
 * the github.com/siderolabs/talos/pkg/machinery module, src/testenv/go/talosvalidate) generates a
 * cluster's config, applies the patches as talosctl does and runs Talos's strict validation for
 * a control-plane and a worker node; it prints the patched control-plane config, which the tests
 * read to check what the patches set.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { run } from '../support/env.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const DIR = 'talos/patches';
const patches = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => join(DIR, f));

interface AuditRule {
  level: string;
  verbs?: string[];
  resources?: { group?: string; resources?: string[] }[];
  nonResourceURLs?: string[];
}

interface MachineConfig {
  machine: {
    kubelet: {
      defaultRuntimeSeccompProfileEnabled?: boolean;
      extraConfig?: Record<string, unknown>;
    };
    features: { kubePrism?: { enabled?: boolean } };
  };
  cluster: {
    network: { cni: { name: string } };
    proxy?: { disabled?: boolean };
    apiServer: { auditPolicy: { apiVersion: string; kind: string; rules: AuditRule[] } };
  };
}

/** The level of the first rule that matches a core-group resource and verb, as the apiserver picks. */
function levelFor(rules: AuditRule[], resource: string, verb: string): string | undefined {
  const rule = rules.find(
    (r) =>
      !r.nonResourceURLs &&
      (r.verbs === undefined || r.verbs.includes(verb)) &&
      (r.resources === undefined ||
        r.resources.some(
          (g) =>
            (g.group ?? '') === '' && (g.resources === undefined || g.resources.includes(resource)),
        )),
  );
  return rule?.level;
}

function withBroken(name: string, patch: string): string[] {
  const file = join(scratchDir('posture-talos-'), name);
  writeFileSync(file, patch);
  return [...patches, file];
}

describe('Talos machine-config patches, validated by Talos machinery v1.11.5', () => {
  let config: MachineConfig;

  before(async () => {
    const result = await run('talosvalidate', ['-mode', 'metal', ...patches]);
    assert.equal(result.code, 0, result.stderr);
    config = parse(result.stdout) as MachineConfig;
  });

  it('has the three patches: Cilium as CNI, the audit policy, kubelet hardening', () => {
    assert.deepEqual(
      patches.map((p) => p.slice(DIR.length + 1)),
      ['audit-policy.yaml', 'cni-cilium.yaml', 'kubelet-hardening.yaml'],
    );
  });

  it('are accepted in container mode as well (a Talos-in-Docker cluster)', async () => {
    const result = await run('talosvalidate', ['-mode', 'container', ...patches]);
    assert.equal(result.code, 0, result.stderr);
  });

  it('install no CNI and disable kube-proxy: Cilium is installed separately and replaces it', () => {
    assert.equal(config.cluster.network.cni.name, 'none');
    assert.equal(config.cluster.proxy?.disabled, true);
    assert.equal(config.machine.features.kubePrism?.enabled, true);
  });

  it('record every Secret access at Metadata level, never its data', () => {
    const { rules, apiVersion, kind } = config.cluster.apiServer.auditPolicy;
    assert.equal(`${apiVersion}/${kind}`, 'audit.k8s.io/v1/Policy');
    for (const verb of ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])
      assert.equal(levelFor(rules, 'secrets', verb), 'Metadata', verb);
  });

  it('record namespace label changes with their bodies', () => {
    const { rules } = config.cluster.apiServer.auditPolicy;
    for (const verb of ['update', 'patch'])
      assert.match(levelFor(rules, 'namespaces', verb) ?? 'None', /^Request(Response)?$/, verb);
  });

  it('harden the kubelet: seccomp by default, no read-only port, TLS 1.2+', () => {
    const { kubelet } = config.machine;
    assert.equal(kubelet.defaultRuntimeSeccompProfileEnabled, true);
    assert.equal(kubelet.extraConfig?.readOnlyPort, 0);
    assert.equal(kubelet.extraConfig?.tlsMinVersion, 'VersionTLS12');
  });

  const broken: [string, string, RegExp][] = [
    [
      'a CNI named cilium (Talos installs only flannel, custom or none)',
      'cluster:\n  network:\n    cni:\n      name: cilium\n',
      /cni name should be one of/,
    ],
    [
      'a kubelet override of a field Talos protects (anonymous authentication)',
      'machine:\n  kubelet:\n    extraConfig:\n      authentication:\n        anonymous:\n          enabled: true\n',
      /"authentication" can't be overridden/,
    ],
    [
      'an unknown kubelet field',
      'machine:\n  kubelet:\n    readOnlyPort: 10255\n',
      /unknown keys found/,
    ],
    [
      'a kube-proxy switch that is not a boolean',
      'cluster:\n  proxy:\n    disabled: yes-please\n',
      /cannot unmarshal/,
    ],
  ];
  for (const [what, patch, why] of broken) {
    it(`refuses ${what}`, async () => {
      const result = await run('talosvalidate', [
        '-mode',
        'metal',
        ...withBroken('broken.yaml', patch),
      ]);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, why);
    });
  }
});
