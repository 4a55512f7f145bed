import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TradingServiceSchema, type TradingServiceInput } from '../../api/index.ts';
import { partManifest } from '../objects.ts';
import {
  defaultPlatform,
  platformSchema,
  type Platform,
  type PlatformInput,
} from '../../api/platform/settings.ts';
import { buildModel } from '../build-model.ts';
import { networkPolicyPart } from './network-policy.ts';

const DIGEST = `sha256:${'a'.repeat(64)}`;
const NS = 'k8s:io.kubernetes.pod.namespace';
const scrapers: PlatformInput['monitoring'] = {
  namespace: 'monitoring',
  podLabels: { 'app.kubernetes.io/name': 'prometheus' },
};

function service(name: string, spec: Partial<TradingServiceInput['spec']>) {
  return TradingServiceSchema.parse({
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name, namespace: 'titan' },
    spec: {
      image: `registry.example/${name}@${DIGEST}`,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
      ...spec,
    },
  });
}

/** The ingress rules of brain's CiliumNetworkPolicy, next to a console service. */
function ingressOf(spec: Partial<TradingServiceInput['spec']>, platform: Platform): unknown {
  const resources = {
    tradingServices: [{ object: service('brain', spec) }, { object: service('console', {}) }],
    exchangeCredentials: [],
    hmacKeyRings: [],
  };
  const { model, problems } = buildModel(resources, platform);
  assert.deepEqual(problems, []);
  const brain = model.services.find((s) => s.name === 'brain')!;
  const manifest = partManifest(networkPolicyPart(brain, platform)) as { spec: object };
  return (manifest.spec as { ingress?: unknown }).ingress;
}

const tcp = (...ports: number[]) => [
  { ports: ports.map((port) => ({ port: String(port), protocol: 'TCP' })) },
];
const withScrapers = platformSchema.parse({ monitoring: scrapers });
const ingressNginx = { namespace: 'ingress-nginx', podLabels: { 'app.kubernetes.io/name': 'x' } };

describe('CiliumNetworkPolicy ingress', () => {
  const cases: [string, Partial<TradingServiceInput['spec']>, Platform, unknown][] = [
    [
      'should let a workload in from its namespace, with all its labels, on the listed ports only',
      { ingress: [{ workload: ingressNginx, ports: [8080] }] },
      defaultPlatform(),
      [
        {
          fromEndpoints: [
            { matchLabels: { 'app.kubernetes.io/name': 'x', [NS]: 'ingress-nginx' } },
          ],
          toPorts: tcp(8080),
        },
      ],
    ],
    [
      'should render a TradingService peer and a workload peer as two rules',
      {
        ingress: [
          { service: 'console', ports: [8080] },
          { workload: { namespace: 'edge', podLabels: { app: 'gw', tier: '' } }, ports: [8080] },
        ],
      },
      defaultPlatform(),
      [
        {
          fromEndpoints: [{ matchLabels: { 'app.kubernetes.io/name': 'console', [NS]: 'titan' } }],
          toPorts: tcp(8080),
        },
        {
          fromEndpoints: [{ matchLabels: { app: 'gw', tier: '', [NS]: 'edge' } }],
          toPorts: tcp(8080),
        },
      ],
    ],
    [
      "should let the platform's scrapers reach the port named metrics and no other",
      {},
      withScrapers,
      [
        {
          fromEndpoints: [
            { matchLabels: { 'app.kubernetes.io/name': 'prometheus', [NS]: 'monitoring' } },
          ],
          toPorts: tcp(9090),
        },
      ],
    ],
    [
      'should not let anyone scrape when the platform names no scrapers',
      {},
      defaultPlatform(),
      undefined,
    ],
    [
      'should not add a scraper rule to a service without a metrics port',
      { ports: [{ name: 'http', port: 8080 }] },
      withScrapers,
      undefined,
    ],
    [
      'should not open a port named otherwise even when its number is a usual metrics port',
      { ports: [{ name: 'prom', port: 9090 }] },
      withScrapers,
      undefined,
    ],
  ];
  for (const [name, spec, platform, expected] of cases) {
    it(name, () => assert.deepEqual(ingressOf(spec, platform), expected));
  }

  it('should keep UDP on a workload port declared as UDP', () => {
    const ingress = ingressOf(
      {
        ports: [{ name: 'syslog', port: 514, protocol: 'UDP' }],
        ingress: [{ workload: ingressNginx, ports: [514] }],
      },
      defaultPlatform(),
    ) as { toPorts: unknown }[];
    assert.deepEqual(ingress[0]?.toPorts, [{ ports: [{ port: '514', protocol: 'UDP' }] }]);
  });
});

describe('platform monitoring', () => {
  const cases: [string, unknown][] = [
    ['should refuse scrapers selected by no label (every pod)', { ...scrapers, podLabels: {} }],
    ['should refuse scrapers in every namespace', { ...scrapers, namespace: '*' }],
    ['should refuse scrapers without a namespace', { podLabels: scrapers.podLabels }],
    [
      'should refuse a label key that names the namespace with a Cilium source',
      { ...scrapers, podLabels: { [NS]: 'kube-system' } },
    ],
  ];
  for (const [name, monitoring] of cases) {
    it(name, () => assert.equal(platformSchema.safeParse({ monitoring }).success, false));
  }

  it('should accept no monitoring section: nobody scrapes', () => {
    assert.equal(defaultPlatform().monitoring, undefined);
  });
});
