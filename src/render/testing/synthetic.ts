import { createHash } from 'node:crypto';
import { Codec } from '@nats-io/nkeys/lib/codec.js';
import { Prefix } from '@nats-io/nkeys';
import {
  ExchangeCredentialSchema,
  HmacKeyRingSchema,
  TradingServiceSchema,
  type ExchangeCredential,
  type HmacKeyRing,
  type TradingService,
} from '../../api/index.ts';
import { defaultPlatform, type Platform } from '../../api/platform/settings.ts';
import type { CustomResources } from '../build-model.ts';

/**
 * A deterministic NKey user public key for a name: a valid key (prefix, checksum) whose seed
 * nobody has. For benchmarks and shape tests only; tests that connect to NATS make real pairs.
 */
export function fakeUserNkey(name: string): string {
  const bytes = createHash('sha256').update(name).digest();
  return new TextDecoder().decode(Codec.encode(Prefix.User, new Uint8Array(bytes)));
}

const DIGEST = `sha256:${'ab'.repeat(32)}`;
const PER_NAMESPACE = 100;
// An HmacKeyRing lists at most 32 listeners: one ring per 25 services.
const RING_SIZE = 25;

/** Service `i` of namespace `ns` (of `count`): Titan-like, calling its neighbour. */
function service(ns: string, i: number, count: number): TradingService {
  const name = `svc-${i}`;
  const next = `svc-${(i + 1) % count}`;
  const previous = `svc-${(i + count - 1) % count}`;
  return TradingServiceSchema.parse({
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name, namespace: ns },
    spec: {
      image: `registry.example/titan/${name}@${DIGEST}`,
      replicas: 2,
      ports: [
        { name: 'http', port: 8080 },
        { name: 'metrics', port: 9090 },
      ],
      nats: {
        publish: [`titan.evt.${name}.>`],
        subscribe: ['titan.data.>', `titan.cmd.${name}.>`],
        allowResponses: { max: 1, expires: '1m' },
      },
      secrets: [
        { name: 'DB_URL', vaultPath: `secret/${ns}/${name}/db`, key: 'url', file: 'db-url' },
      ],
      exchangeCredentials: i % 10 === 0 ? ['venue'] : [],
      hmac: [
        {
          keyRing: `signals-${Math.floor(i / RING_SIZE)}`,
          role: i % RING_SIZE === 0 ? 'signer' : 'listener',
        },
      ],
      ingress: count > 1 ? [{ service: previous, ports: [8080] }] : [],
      egress: {
        services: count > 1 ? [{ service: next, ports: [8080] }] : [],
        fqdns: [{ name: 'stream.example.com', ports: [443] }],
      },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
    },
  });
}

function grants(ns: string, names: string[]): [ExchangeCredential, HmacKeyRing[]] {
  const meta = (name: string) => ({ name, namespace: ns });
  const exchange = ExchangeCredentialSchema.parse({
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'ExchangeCredential',
    metadata: meta('venue'),
    spec: {
      exchange: 'binance',
      vaultPath: `secret/${ns}/exchanges/venue`,
      ipWhitelist: ['203.0.113.10/32'],
      consumers: names.filter((_, i) => i % 10 === 0),
    },
  });
  const rings: HmacKeyRing[] = [];
  for (let k = 0; k * RING_SIZE < names.length; k++) {
    const group = names.slice(k * RING_SIZE, (k + 1) * RING_SIZE);
    rings.push(
      HmacKeyRingSchema.parse({
        apiVersion: 'posture.dev/v1alpha1',
        kind: 'HmacKeyRing',
        metadata: meta(`signals-${k}`),
        spec: {
          vaultPath: `secret/${ns}/hmac/signals-${k}`,
          signers: group.slice(0, 1),
          listeners: group.slice(1),
        },
      }),
    );
  }
  return [exchange, rings];
}

/**
 * A valid platform of `n` TradingServices, 100 per namespace, with the credentials and key rings
 * they use and an NKey per NATS user: what `bench/synth.ts` renders.
 */
export function syntheticPlatform(n: number): { platform: Platform; resources: CustomResources } {
  const resources: CustomResources = {
    tradingServices: [],
    exchangeCredentials: [],
    hmacKeyRings: [],
  };
  const users: Record<string, string> = {};
  for (let start = 0, ns = 0; start < n; start += PER_NAMESPACE, ns++) {
    const namespace = `team-${ns}`;
    const count = Math.min(PER_NAMESPACE, n - start);
    const services = Array.from({ length: count }, (_, i) => service(namespace, i, count));
    const [exchange, rings] = grants(
      namespace,
      services.map((s) => s.metadata.name),
    );
    (resources.tradingServices as { object: TradingService }[]).push(
      ...services.map((object) => ({ object })),
    );
    (resources.exchangeCredentials as { object: ExchangeCredential }[]).push({ object: exchange });
    (resources.hmacKeyRings as { object: HmacKeyRing }[]).push(
      ...rings.map((object) => ({ object })),
    );
    for (const s of services)
      users[`${namespace}/${s.metadata.name}`] = fakeUserNkey(`${namespace}/${s.metadata.name}`);
  }
  const platform = defaultPlatform();
  return { platform: { ...platform, nats: { ...platform.nats, users } }, resources };
}
