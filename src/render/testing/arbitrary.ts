import fc from 'fast-check';
import {
  ExchangeCredentialSchema,
  HmacKeyRingSchema,
  TradingServiceSchema,
  type ExchangeCredential,
  type HmacKeyRing,
  type TradingService,
} from '../../api/index.ts';
import type { CustomResources } from '../build-model.ts';

/**
 * fast-check generators of valid platforms: TradingServices that reference each other,
 * ExchangeCredentials and HmacKeyRings that grant what the services use. Every object goes
 * through the real zod schema, so generated specs are the specs users can write.
 */

const NAMES = ['brain', 'execution', 'console', 'hunter', 'quant', 'sentinel', 'scavenger'];
const NAMESPACES = ['titan', 'zeta'];
const DIGEST = `sha256:${'c'.repeat(64)}`;

const token = fc.constantFrom('data', 'cmd', 'evt', 'svc', 'ticks', 'orders');
const subject = fc
  .tuple(token, token, fc.constantFrom('>', '*', 'x'))
  .map(([a, b, c]) => `titan.${a}.${b}.${c}`);

interface Shape {
  namespace: string;
  name: string;
  ports: number[];
  publish: string[];
  subscribe: string[];
  nats: boolean;
  secrets: number;
  fqdns: string[];
  peers: number[];
  useExchange: boolean;
  hmacRole: 'signer' | 'listener' | 'none';
  /** Reached by pods outside posture (an ingress controller) on its first port. */
  fromIngress: boolean;
}

const shape: fc.Arbitrary<Omit<Shape, 'name'>> = fc.record({
  namespace: fc.constantFrom(...NAMESPACES),
  ports: fc.uniqueArray(fc.integer({ min: 1024, max: 9999 }), { maxLength: 3 }),
  publish: fc.uniqueArray(subject, { maxLength: 3 }),
  subscribe: fc.uniqueArray(subject, { maxLength: 3 }),
  nats: fc.boolean(),
  secrets: fc.integer({ min: 0, max: 2 }),
  fqdns: fc.uniqueArray(
    fc.constantFrom('api.example.com', '*.feeds.example.com', 'stream.example.org'),
    { maxLength: 2 },
  ),
  peers: fc.uniqueArray(fc.nat(6), { maxLength: 2 }),
  useExchange: fc.boolean(),
  hmacRole: fc.constantFrom('signer' as const, 'listener' as const, 'none' as const),
  fromIngress: fc.boolean(),
});

const INGRESS_CONTROLLER = {
  namespace: 'ingress-nginx',
  podLabels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'x' },
};

function ingressOf(s: Shape, callers: Shape[]) {
  const [first] = s.ports;
  if (first === undefined) return [];
  const workload = s.fromIngress ? [{ workload: INGRESS_CONTROLLER, ports: [first] }] : [];
  return [...callers.map((o) => ({ service: o.name })), ...workload];
}

function calls(from: Shape, to: Shape, all: Shape[]): boolean {
  return to.ports.length > 0 && from.peers.some((i) => all[i % all.length] === to);
}

function tradingService(s: Shape, all: Shape[]): TradingService {
  const callable = all.filter((p) => p !== s && p.namespace === s.namespace && calls(s, p, all));
  const callers = all.filter((o) => o.namespace === s.namespace && o !== s && calls(o, s, all));
  const spec = {
    ingress: ingressOf(s, callers),
    image: `registry.example/${s.name}@${DIGEST}`,
    ports: s.ports.map((port, i) => ({ name: `p${i}`, port })),
    ...(s.nats && { nats: { publish: s.publish, subscribe: s.subscribe, allowResponses: {} } }),
    secrets: Array.from({ length: s.secrets }, (_, i) => ({
      name: `SECRET_${i}`,
      vaultPath: `secret/${s.namespace}/${s.name}/s${i}`,
      key: 'value',
      file: `secret-${i}`,
    })),
    exchangeCredentials: s.useExchange ? ['venue'] : [],
    hmac: s.hmacRole === 'none' ? [] : [{ keyRing: 'signals', role: s.hmacRole }],
    egress: {
      services: [...new Set(callable.map((p) => p.name))].map((service) => ({ service })),
      fqdns: s.fqdns.map((name) => ({ name })),
    },
  };
  const object = {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name: s.name, namespace: s.namespace },
    spec,
  };
  return TradingServiceSchema.parse(object);
}

function grants(shapes: Shape[], namespace: string) {
  const here = shapes.filter((s) => s.namespace === namespace);
  const exchange: ExchangeCredential = ExchangeCredentialSchema.parse({
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: { name: 'venue', namespace },
    spec: {
      exchange: 'binance',
      vaultPath: `secret/${namespace}/exchanges/venue`,
      ipWhitelist: ['203.0.113.10/32'],
      consumers: here.filter((s) => s.useExchange).map((s) => s.name),
    },
  });
  const ring: HmacKeyRing = HmacKeyRingSchema.parse({
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'HmacKeyRing',
    metadata: { name: 'signals', namespace },
    spec: {
      vaultPath: `secret/${namespace}/hmac/signals`,
      signers: here.filter((s) => s.hmacRole === 'signer').map((s) => s.name),
      listeners: here.filter((s) => s.hmacRole === 'listener').map((s) => s.name),
    },
  });
  return { exchange, ring };
}

/** A valid platform of 1..7 services in up to two namespaces. */
export const platformResources: fc.Arbitrary<CustomResources> = fc
  .array(shape, { minLength: 1, maxLength: NAMES.length })
  .map((shapes) => {
    const named: Shape[] = shapes.map((s, i) => ({ ...s, name: NAMES[i]! }));
    const namespaces = [...new Set(named.map((s) => s.namespace))];
    const granted = namespaces.map((ns) => grants(named, ns));
    return {
      tradingServices: named.map((s) => ({ object: tradingService(s, named) })),
      exchangeCredentials: granted.map((g) => ({ object: g.exchange })),
      hmacKeyRings: granted.map((g) => ({ object: g.ring })),
    };
  });
