/**
 * A rotation on the real environment: a ring with listeners and signers as TradingServices
 * (their Deployments roll on kwok nodes), and a checker that, at each moment, signs with the key
 * each running signer pod's pinned version gives and verifies with the keys each running
 * listener pod's pinned version gives. Shared by test/integration/hmac-rotation.test.ts and
 * bench/rotation.ts.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { testEnv } from './env.ts';
import { HMAC_KEY_RING } from '../../src/api/hmackeyring/kind.ts';
import { TRADING_SERVICE } from '../../src/api/tradingservice/kind.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES, type Resource } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';

export const RING = 'signals';
const REPLICA_SETS: Resource = {
  group: 'apps',
  version: 'v1',
  plural: 'replicasets',
  kind: 'ReplicaSet',
  namespaced: true,
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const ringPath = (namespace: string) => `secret/${namespace}/hmac/${RING}`;
export const listenerName = (i: number) => `listener-${i}`;
export const signerName = (i: number) => `signer-${i}`;

export function keyRing(namespace: string, listeners: number, signers: number) {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'HmacKeyRing',
    metadata: { name: RING, namespace },
    spec: {
      vaultPath: ringPath(namespace),
      rotationPeriod: '720h',
      // The shortest the schema allows: the old key goes a minute after signers moved.
      gracePeriod: '1m',
      listeners: Array.from({ length: listeners }, (_, i) => listenerName(i)),
      signers: Array.from({ length: signers }, (_, i) => signerName(i)),
    },
  };
}

export function member(namespace: string, name: string, role: 'listener' | 'signer') {
  return {
    apiVersion: 'posture.dev/v1alpha1',
    kind: 'TradingService',
    metadata: { name, namespace },
    spec: {
      image: `ghcr.io/titan-platform/${role}:v1@sha256:${'c'.repeat(64)}`,
      replicas: 2,
      ports: [{ name: 'http', port: 8080 }],
      hmac: [{ keyRing: RING, role, env: 'TITAN_HMAC_SECRET', file: 'hmac' }],
    },
  };
}

export async function createRingAndMembers(
  admin: KubeClient,
  namespace: string,
  counts: { listeners: number; signers: number },
): Promise<void> {
  await admin.create(HMAC_KEY_RING, keyRing(namespace, counts.listeners, counts.signers));
  const members = [
    ...Array.from({ length: counts.listeners }, (_, i) =>
      member(namespace, listenerName(i), 'listener'),
    ),
    ...Array.from({ length: counts.signers }, (_, i) => member(namespace, signerName(i), 'signer')),
  ];
  await Promise.all(members.map((m) => admin.create(TRADING_SERVICE, m)));
}

export interface RingStatus {
  phase?: string;
  listenerVersion?: number;
  signerVersion?: number;
  conditions?: { type: string; status: string; reason: string; message: string }[];
}

export async function ringStatus(admin: KubeClient, namespace: string): Promise<RingStatus> {
  const ring = await admin.get<KubeObject & { status?: RingStatus }>(HMAC_KEY_RING, {
    name: RING,
    namespace,
  });
  return ring?.status ?? {};
}

/** The version a pod's Vault Agent template pins, from its annotations. */
export function pinnedVersion(pod: KubeObject): number | undefined {
  const template = pod.metadata.annotations?.['vault.hashicorp.com/agent-inject-template-hmac'];
  const match = /\?version=(\d+)"/.exec(template ?? '');
  return match ? Number(match[1]) : undefined;
}

interface Keys {
  primary: Buffer;
  accepted: Buffer[];
}

/** Every running member pod with the version its template pins. */
export async function memberPods(admin: KubeClient, namespace: string) {
  const pods = (
    await admin.list<KubeObject & { status?: { phase?: string } }>(RESOURCES.pod, { namespace })
  ).items;
  return pods
    .filter((pod) => pod.status?.phase === 'Running')
    .map((pod) => ({
      service: pod.metadata.labels?.['app.kubernetes.io/name'] ?? '',
      version: pinnedVersion(pod),
      terminating: pod.metadata.deletionTimestamp !== undefined,
    }))
    .filter(
      (p): p is { service: string; version: number; terminating: boolean } =>
        p.version !== undefined,
    );
}

/**
 * Checks every (signer pod, listener pod) pair, as fast as the apiserver lists pods, until
 * stopped: a signature by the signer's primary must verify with one of the listener's keys.
 */
export class RotationChecker {
  checks = 0;
  failures: string[] = [];
  readonly versionsSeen = new Set<number>();
  readonly #keys = new Map<number, Keys>();
  #running = true;
  readonly #done: Promise<void>;
  readonly admin: KubeClient;
  readonly vault: VaultAdapter;
  readonly namespace: string;

  constructor(admin: KubeClient, vault: VaultAdapter, namespace: string) {
    this.admin = admin;
    this.vault = vault;
    this.namespace = namespace;
    this.#done = this.#loop();
  }

  async stop(): Promise<void> {
    this.#running = false;
    await this.#done;
  }

  async #keysOf(version: number): Promise<Keys> {
    let keys = this.#keys.get(version);
    if (!keys) {
      const secret = await this.vault.kvRead(ringPath(this.namespace), version);
      if (!secret) throw new Error(`ring version ${version} missing in Vault`);
      const primary = Buffer.from(secret.data['primary'] ?? '', 'base64');
      const secondary = secret.data['secondary'];
      keys = {
        primary,
        accepted: [primary, ...(secondary ? [Buffer.from(secondary, 'base64')] : [])],
      };
      this.#keys.set(version, keys);
    }
    return keys;
  }

  async #round(): Promise<void> {
    const pods = await memberPods(this.admin, this.namespace);
    const message = Buffer.from(`order ${this.checks}`);
    for (const signer of pods.filter((p) => p.service.startsWith('signer-'))) {
      const signature = createHmac('sha256', (await this.#keysOf(signer.version)).primary)
        .update(message)
        .digest();
      for (const listener of pods.filter((p) => p.service.startsWith('listener-'))) {
        const { accepted } = await this.#keysOf(listener.version);
        const ok = accepted.some((key) =>
          timingSafeEqual(createHmac('sha256', key).update(message).digest(), signature),
        );
        this.checks++;
        this.versionsSeen.add(listener.version).add(signer.version);
        if (!ok)
          this.failures.push(
            `${signer.service}@v${signer.version} → ${listener.service}@v${listener.version}`,
          );
      }
    }
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      await this.#round();
      await sleep(50);
    }
  }
}

/** Every member Deployment runs only pods pinned to `version` (listeners and signers alike). */
export async function allPodsAt(
  admin: KubeClient,
  namespace: string,
  version: number,
  members: number,
) {
  // A terminating pod still signs and verifies (the checker keeps it), but a rollout is done
  // once the rest run the version: kwok on a loaded machine can take long to let one go.
  const pods = (await memberPods(admin, namespace)).filter((p) => !p.terminating);
  const services = new Set(pods.map((p) => p.service));
  return services.size === members && pods.every((p) => p.version === version);
}

/**
 * For a failure message: the ring's status, the member Deployment's generation, pin and
 * conditions, its ReplicaSets and its pods, as the apiserver holds them now.
 */
export async function rolloutReport(
  admin: KubeClient,
  namespace: string,
  deployment: string,
): Promise<string> {
  const ring = await ringStatus(admin, namespace);
  const d = await admin.get<KubeObject & { spec?: unknown; status?: unknown }>(
    RESOURCES.deployment,
    { name: deployment, namespace },
  );
  const sets = await admin.list<KubeObject & { spec?: unknown; status?: unknown }>(REPLICA_SETS, {
    namespace,
  });
  const pods = await admin.list<KubeObject & { spec?: { nodeName?: string }; status?: unknown }>(
    RESOURCES.pod,
    { namespace },
  );
  const mine = (o: KubeObject) => (o.metadata.name ?? '').startsWith(`${deployment}-`);
  // The shared controllers' own words about this namespace, last lines first to matter.
  const logs = Object.fromEntries(
    ['kube-controller-manager', 'kube-scheduler', 'kwok'].map((name) => {
      const file = join(testEnv().dir, `${name}.log`);
      const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
      return [name, lines.filter((l) => l.includes(namespace)).slice(-15)];
    }),
  );
  return `${JSON.stringify(
    {
      ring,
      deployment: { generation: d?.metadata.generation, status: d?.status },
      replicaSets: sets.items.filter(mine).map((r) => ({
        name: r.metadata.name,
        annotations: r.metadata.annotations,
        status: r.status,
      })),
      pods: pods.items.filter(mine).map((p) => ({
        name: p.metadata.name,
        node: p.spec?.nodeName,
        deleting: p.metadata.deletionTimestamp,
        status: p.status,
      })),
    },
    undefined,
    1,
  )}\n${JSON.stringify(logs, undefined, 1)}`;
}
