import fc from 'fast-check';
import { GROUP_VERSION } from '../common/metadata.ts';
import { EXCHANGES } from '../exchangecredential/schema.ts';
import { HMAC_ALGORITHMS } from '../hmackeyring/schema.ts';
import type { JsonObject } from './valid.ts';

/**
 * fast-check arbitraries of valid objects of each kind, for the property that zod and the
 * apiserver accept the same objects. They aim at the edges of the patterns (wildcards, mixed
 * duration units, IPv6, tags with digests) while obeying the cross-field rules.
 */

export const label = fc.stringMatching(/^[a-z]([-a-z0-9]{0,12}[a-z0-9])?$/);
const token = fc.stringMatching(/^[A-Za-z0-9_$-]{1,8}$/);

export const subject = fc
  .tuple(fc.array(fc.oneof(token, fc.constant('*')), { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([tokens, tail]) => [...tokens, ...(tail ? ['>'] : [])].join('.'));

const part = (unit: string) =>
  fc.option(
    fc.integer({ min: 0, max: 999999 }).map((n) => `${n}${unit}`),
    { nil: '' },
  );

/** A duration string and its length in seconds. */
export const duration = fc
  .tuple(part('h'), part('m'), part('s'))
  .filter(([h, m, s]) => `${h}${m}${s}` !== '')
  .map(([h, m, s]) => `${h}${m}${s}`);

function seconds(value: string): number {
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1 };
  return [...value.matchAll(/([0-9]+)([hms])/g)].reduce(
    (t, [, n, u]) => t + Number(n) * (unit[u ?? 's'] ?? 0),
    0,
  );
}

const atLeast = (min: number) => duration.filter((d) => seconds(d) >= min);

export const cidr = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 32 })).map(([a, p]) => `${a}/${p}`),
  fc
    .tuple(fc.ipV6(), fc.integer({ min: 1, max: 128 }))
    .filter(([a]) => !a.includes('.'))
    .map(([a, p]) => `${a}/${p}`),
);

export const fqdn = fc
  .tuple(
    fc.boolean(),
    fc.array(label, { minLength: 1, maxLength: 3 }),
    fc.stringMatching(/^[a-z]{2,6}$/),
  )
  .map(([wild, labels, tld]) => `${wild ? '*.' : ''}${labels.join('.')}.${tld}`);

const image = fc
  .tuple(
    fc.stringMatching(
      /^[a-z0-9]{1,8}(\.[a-z0-9]{1,5})?(:[0-9]{2,5})?\/[a-z0-9]{1,8}(\/[a-z0-9._-]{0,8}[a-z0-9])?$/,
    ),
    fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,10}$/), { nil: undefined }),
    fc.stringMatching(/^[a-f0-9]{64}$/),
  )
  .map(([repo, tag, hex]) => `${repo}${tag === undefined ? '' : `:${tag}`}@sha256:${hex}`);

const quantity = fc
  .tuple(fc.integer({ min: 1, max: 4096 }), fc.constantFrom('', 'm', 'Mi', 'Gi', 'k', 'M'))
  .map(([n, u]) => `${n}${u}`);

const ports = fc.uniqueArray(
  fc.record({
    name: fc.stringMatching(/^[a-z][-a-z0-9]{0,12}[a-z0-9]$/),
    port: fc.integer({ min: 1, max: 65535 }),
    protocol: fc.constantFrom('TCP', 'UDP'),
  }),
  { maxLength: 4, selector: (p) => p.name },
);

const peer = (declared: number[]) =>
  fc.record(
    {
      service: label,
      namespace: label,
      ports:
        declared.length === 0
          ? fc.constant([])
          : fc.uniqueArray(fc.constantFrom(...declared), { maxLength: 3 }),
    },
    { requiredKeys: ['service', 'ports'] },
  );

const labelKey = fc
  .tuple(
    fc.option(fc.array(label, { minLength: 1, maxLength: 3 }), { nil: undefined }),
    fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,12}[A-Za-z0-9])?$/),
  )
  .map(([prefix, name]) => (prefix === undefined ? name : `${prefix.join('.')}/${name}`));
const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,12}[A-Za-z0-9])?)?$/);

/** Pods outside posture: only on declared ports, which it must list. */
const workloadPeer = (declared: number[]) =>
  fc.record({
    workload: fc.record({
      namespace: label,
      podLabels: fc.dictionary(labelKey, labelValue, { minKeys: 1, maxKeys: 3 }),
    }),
    ports: fc.uniqueArray(fc.constantFrom(...declared), { minLength: 1, maxLength: 3 }),
  });

const ingressPeer = (declared: number[]) =>
  declared.length === 0 ? peer(declared) : fc.oneof(peer(declared), workloadPeer(declared));

const envBase = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/);
const fileBase = fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,10}$/);
const vaultPath = fc
  .array(fc.stringMatching(/^[a-z0-9_-]{1,8}$/), { minLength: 2, maxLength: 4 })
  .map((parts) => parts.join('/'));

const secrets = fc.array(
  fc.tuple(envBase, fileBase, vaultPath, fc.stringMatching(/^[A-Za-z0-9_.-]{1,10}$/)),
  {
    maxLength: 3,
  },
);
const hmacUses = fc.uniqueArray(fc.tuple(label, fc.constantFrom('signer', 'listener')), {
  maxLength: 2,
  selector: ([ring]) => ring,
});

function tradingSpec(declared: { name: string; port: number; protocol: string }[]) {
  const numbers = declared.map((p) => p.port);
  return fc.record(
    {
      image,
      replicas: fc.integer({ min: 0, max: 100 }),
      ports: fc.constant(declared),
      nats: fc.record(
        {
          publish: fc.uniqueArray(
            subject.filter((s) => s !== '>'),
            { maxLength: 4 },
          ),
          subscribe: fc.uniqueArray(subject, { maxLength: 4 }),
          allowResponses: fc.record(
            { max: fc.integer({ min: 1, max: 10000 }), expires: duration },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
      secrets: secrets.map((list) =>
        list.map(([env, file, path, key], i) => ({
          name: `${env}_S${i}`,
          vaultPath: path,
          key,
          file: `${file}.s${i}`,
        })),
      ),
      hmac: hmacUses.map((list) =>
        list.map(([keyRing, role], i) => ({
          keyRing,
          role,
          env: `HMAC_H${i}`,
          file: `hmac.h${i}`,
        })),
      ),
      exchangeCredentials: fc.uniqueArray(label, { maxLength: 3 }),
      ingress: fc.array(ingressPeer(numbers), { maxLength: 3 }),
      egress: fc.record(
        {
          services: fc.array(peer([]), { maxLength: 2 }),
          fqdns: fc.array(
            fc.record({
              name: fqdn,
              ports: fc.uniqueArray(fc.integer({ min: 1, max: 65535 }), { maxLength: 2 }),
            }),
            { maxLength: 3 },
          ),
          cidrs: fc.array(
            fc.record({
              cidr,
              justification: fc.constant('reaches a managed database outside the cluster'),
            }),
            { maxLength: 2 },
          ),
        },
        { requiredKeys: [] },
      ),
      resources: fc.record(
        { requests: fc.record({ cpu: quantity, memory: quantity }, { requiredKeys: [] }) },
        { requiredKeys: [] },
      ),
      securityContext: fc.record(
        {
          runAsUser: fc.integer({ min: 1, max: 2147483647 }),
          readOnlyRootFilesystem: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['image', 'ports'] },
  );
}

const object = (
  kind: string,
  namespace: string,
  name: fc.Arbitrary<string>,
  spec: fc.Arbitrary<unknown>,
) =>
  fc.record({ name, spec }).map(
    ({ name: n, spec: s }) =>
      ({
        apiVersion: GROUP_VERSION,
        kind,
        metadata: { name: n, namespace },
        spec: s,
      }) as JsonObject,
  );

export function tradingServiceArb(namespace: string): fc.Arbitrary<JsonObject> {
  return object('TradingService', namespace, label, ports.chain(tradingSpec));
}

export function hmacKeyRingArb(namespace: string): fc.Arbitrary<JsonObject> {
  const periods = fc
    .tuple(atLeast(60), atLeast(3600))
    .filter(([grace, rotation]) => seconds(grace) < seconds(rotation));
  const spec = fc
    .record({
      periods,
      vaultPath,
      signers: fc.uniqueArray(label, { maxLength: 4 }),
      listeners: fc.uniqueArray(label, { maxLength: 4 }),
      algorithm: fc.constantFrom(...HMAC_ALGORITHMS),
    })
    .map(({ periods: [gracePeriod, rotationPeriod], ...rest }) => ({
      ...rest,
      gracePeriod,
      rotationPeriod,
    }));
  return object('HmacKeyRing', namespace, label, spec);
}

export function exchangeCredentialArb(namespace: string): fc.Arbitrary<JsonObject> {
  const common = {
    vaultPath,
    permissions: fc.record(
      { read: fc.boolean(), trade: fc.boolean(), withdraw: fc.constant(false) },
      { requiredKeys: [] },
    ),
    ipWhitelist: fc.uniqueArray(cidr, { minLength: 1, maxLength: 4 }),
    consumers: fc.uniqueArray(label, { maxLength: 4 }),
    maxKeyAge: atLeast(86400),
  };
  const required = ['exchange', 'vaultPath', 'ipWhitelist'] as const;
  const known = fc.record(
    { exchange: fc.constantFrom(...EXCHANGES.filter((e) => e !== 'custom')), ...common },
    { requiredKeys: [...required] },
  );
  const custom = fc.record(
    {
      exchange: fc.constant('custom'),
      apiHosts: fc.uniqueArray(fqdn, { minLength: 1, maxLength: 3 }),
      ...common,
    },
    { requiredKeys: [...required, 'apiHosts'] },
  );
  return object('ExchangeCredential', namespace, label, fc.oneof(known, custom));
}
