import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPlatformDir } from './source.ts';
import { platformSchema } from '../api/platform/settings.ts';
import { deployRules, DEVTRON_APP } from '../render/devtron.ts';
import { renderResources } from '../render/index.ts';
import { kindOf } from '../render/objects.ts';
import { platformNkeys } from './synth.ts';

const titan = readPlatformDir('examples/titan');

function render(devtron: unknown) {
  const platform = platformSchema.parse({ ...titan.platform, devtron });
  const rendered = renderResources({
    platform,
    resources: titan.resources,
    nkeys: platformNkeys(platform),
  });
  return rendered.objects;
}

const DEVTRON = { vpnCidrs: ['10.8.0.0/16'] };

describe('Devtron hardening', () => {
  it('renders nothing for Devtron when the platform has no devtron block', () => {
    const objects = render(undefined);
    assert.ok(!objects.some((o) => o.app.app === DEVTRON_APP));
    assert.ok(!objects.some((o) => ['Role', 'RoleBinding'].includes(kindOf(o.manifest))));
  });

  it('lets only the VPN ranges reach the dashboard pods, on the dashboard port', () => {
    const policy = render({ ...DEVTRON, podLabels: { app: 'dash' }, port: 9443 }).find(
      (o) => kindOf(o.manifest) === 'CiliumNetworkPolicy' && o.app.app === DEVTRON_APP,
    );
    assert.deepEqual(policy?.manifest['spec'], {
      description: 'posture: the Devtron dashboard answers the VPN ranges only',
      endpointSelector: { matchLabels: { app: 'dash' } },
      ingress: [
        { fromCIDR: ['10.8.0.0/16'], toPorts: [{ ports: [{ port: '9443', protocol: 'TCP' }] }] },
      ],
    });
    assert.deepEqual(policy?.manifest['metadata'], {
      name: 'posture-devtron-dashboard',
      namespace: 'devtroncd',
      labels: { 'app.kubernetes.io/managed-by': 'posture' },
    });
  });

  it('grants the deploying account exactly the kinds posture writes in each app namespace, and nothing cluster-wide', () => {
    const objects = render({ ...DEVTRON, serviceAccount: 'deployer' });
    const appKinds = new Set(
      objects.filter((o) => o.app.namespace === 'titan').map((o) => kindOf(o.manifest)),
    );
    const devtron = objects.filter((o) => o.app.app === DEVTRON_APP);
    assert.deepEqual(devtron.map((o) => kindOf(o.manifest)).sort(), [
      'CiliumNetworkPolicy',
      'Role',
      'RoleBinding',
    ]);
    const role = devtron.find((o) => kindOf(o.manifest) === 'Role')!.manifest as {
      metadata: { namespace: string };
      rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
    };
    assert.equal(role.metadata.namespace, 'titan');
    assert.deepEqual(
      role.rules.map((r) => [r.apiGroups, r.resources]),
      [
        [[''], ['serviceaccounts', 'services']],
        [['apps'], ['deployments']],
        [['cilium.io'], ['ciliumnetworkpolicies']],
      ],
    );
    assert.equal(appKinds.size, 4, [...appKinds].join());
    for (const rule of role.rules) {
      assert.deepEqual(rule.verbs, ['get', 'list', 'watch', 'create', 'update', 'patch']);
      assert.ok(!rule.resources.includes('*') && !rule.resources.includes('secrets'));
    }
    const binding = devtron.find((o) => kindOf(o.manifest) === 'RoleBinding')!.manifest;
    assert.deepEqual(binding['subjects'], [
      { kind: 'ServiceAccount', name: 'deployer', namespace: 'devtroncd' },
    ]);
    assert.ok(!objects.some((o) => /^Cluster/.test(kindOf(o.manifest))));
  });

  it('refuses to grant a kind it has no reviewed resource name for, Secrets included', () => {
    for (const kind of ['Secret', 'Pod'])
      assert.throws(
        () => deployRules([{ apiVersion: 'v1', kind }]),
        new RegExp(`no resource name for ${kind}`),
      );
  });

  const invalid: [string, unknown, RegExp][] = [
    ['refuses a devtron block without VPN ranges', { vpnCidrs: [] }, /vpnCidrs/],
    ['refuses an open VPN range', { vpnCidrs: ['0.0.0.0/0'] }, /open range/],
    ['refuses a malformed VPN range', { vpnCidrs: ['10.8.0.0'] }, /invalid CIDR/],
    ['refuses empty dashboard pod labels', { ...DEVTRON, podLabels: {} }, /must not be empty/],
    [
      'refuses a service account that is no DNS label',
      { ...DEVTRON, serviceAccount: 'Dev_Tron' },
      /DNS label/,
    ],
  ];
  for (const [name, devtron, message] of invalid) {
    it(name, () => {
      const result = platformSchema.safeParse({ devtron });
      assert.ok(!result.success);
      assert.match(JSON.stringify(result.error.issues), message);
    });
  }
});
