import { createHash } from 'node:crypto';
import { Codec } from '@nats-io/nkeys/lib/codec.js';
import { Prefix } from '@nats-io/nkeys';
import type { ServiceModel } from '../model.ts';

/**
 * A deterministic NKey user public key for a name: a valid key (prefix, checksum) whose seed
 * nobody has. For benchmarks and shape tests only; tests that connect to NATS make real pairs.
 */
export function fakeUserNkey(name: string): string {
  const bytes = createHash('sha256').update(name).digest();
  return new TextDecoder().decode(Codec.encode(Prefix.User, new Uint8Array(bytes)));
}

const DIGEST = 'sha256:' + 'ab'.repeat(32);

/** Service `i` of a synthetic platform of `n` services spread over `namespaces` namespaces. */
export function syntheticService(i: number, n: number, namespaces: number): ServiceModel {
  const namespace = `ns-${i % namespaces}`;
  const peer = (j: number) => `svc-${((j % n) + n) % n}`;
  const peerNs = (j: number) => `ns-${(((j % n) + n) % n) % namespaces}`;
  const name = `svc-${i}`;
  return {
    namespace,
    name,
    image: `registry.example/titan/${name}@${DIGEST}`,
    replicas: 2,
    runAsUser: 10001,
    runAsGroup: 10001,
    readOnlyRootFilesystem: true,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    nats: {
      account: 'TITAN',
      publish: [`titan.${name}.>`],
      subscribe: ['titan.data.>'],
      allowResponses: true,
    },
    files: [
      {
        file: 'db',
        env: 'DB',
        vaultPath: `secret/data/${namespace}/${name}/db`,
        reason: 'secret db',
      },
      {
        file: 'nats-nkey',
        env: 'NATS_NKEY_SEED',
        vaultPath: `secret/data/posture/nats/${namespace}/${name}`,
        field: 'seed',
        reason: 'NATS NKey seed',
      },
    ],
    ingress: [{ namespace: peerNs(i - 1), service: peer(i - 1), ports: [] }],
    egressServices: [
      { namespace: peerNs(i + 1), service: peer(i + 1), ports: [{ port: 8080, protocol: 'TCP' }] },
    ],
    egressFqdns: [{ name: 'api.binance.com', ports: [443] }],
    egressCidrs: [],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '256Mi' } },
  };
}

export function syntheticServices(
  n: number,
  namespaces = Math.max(1, Math.ceil(n / 100)),
): ServiceModel[] {
  return Array.from({ length: n }, (_, i) => syntheticService(i, n, namespaces));
}
