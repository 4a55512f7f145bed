import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KubeClient } from '../../src/operator/kube/client.ts';
import type { WriteRecord } from '../../src/operator/kube/transport.ts';
import { loadKubeconfig, type ClusterAccess } from '../../src/operator/kube/kubeconfig.ts';
import { RESOURCES, type Resource } from '../../src/operator/kube/resources.ts';
import { runOperator, type RunOptions } from '../../src/cli/run-operator.ts';
import { testEnv } from './env.ts';
import { capturedLog } from './secrets.ts';

/** The test apiserver's admin. */
export function testKubeAccess(): ClusterAccess {
  return loadKubeconfig(testEnv().kube.kubeconfig);
}

export function testKubeClient(
  options: { timeoutMs?: number; logWrites?: boolean } = {},
): KubeClient {
  return new KubeClient({ access: testKubeAccess(), ...options });
}

/**
 * The writes sent at or after `since` that repeat, body for body, the write before them to the
 * same path: what a no-op resync would send. A real change (a pod turning ready, then not)
 * makes a different body and is not counted.
 */
export function repeatedWrites(log: readonly WriteRecord[], since: number): readonly WriteRecord[] {
  const last = new Map<string, string>();
  const repeated: WriteRecord[] = [];
  for (const write of log) {
    const key = `${write.verb} ${write.path}`;
    if (write.at >= since && last.get(key) === write.digest) repeated.push(write);
    last.set(key, write.digest);
  }
  return repeated;
}

/** Creates a namespace with a random suffix; each test works in its own. */
export async function createTestNamespace(client: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await client.create(RESOURCES.namespace, { metadata: { name } });
  return name;
}

/**
 * A tiny CRD with a status subresource, for runtime tests that must not depend on the
 * posture CRDs: `widgets.runtime.test.posture.dev`.
 */
export const WIDGET: Resource = {
  group: 'runtime.test.posture.dev',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.runtime.test.posture.dev' },
  spec: {
    group: WIDGET.group,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { size: { type: 'integer' } } },
              status: {
                type: 'object',
                properties: {
                  observedGeneration: { type: 'integer' },
                  phase: { type: 'string' },
                  conditions: {
                    type: 'array',
                    'x-kubernetes-list-type': 'map',
                    'x-kubernetes-list-map-keys': ['type'],
                    items: {
                      type: 'object',
                      required: ['type', 'status', 'reason', 'message', 'lastTransitionTime'],
                      properties: {
                        type: { type: 'string' },
                        status: { type: 'string', enum: ['True', 'False', 'Unknown'] },
                        reason: { type: 'string' },
                        message: { type: 'string' },
                        observedGeneration: { type: 'integer' },
                        lastTransitionTime: { type: 'string', format: 'date-time' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    ],
  },
};

const CRD: Resource = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

/** Installs the Widget CRD (idempotent) and waits until it is served. */
export async function installWidgetCrd(client: KubeClient): Promise<void> {
  await client.apply(CRD, widgetCrd);
  for (let i = 0; i < 100; i++) {
    try {
      await client.list(WIDGET, { limit: 1 });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('Widget CRD was not served within 10 s');
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Access to `server` (e.g. a proxy in front of the apiserver) with the given CA and token. */
export function accessFor(server: string, auth: { caFile: string; token: string }): ClusterAccess {
  return { server, tls: { ca: readFileSync(auth.caFile, 'utf8') }, token: () => auth.token };
}

/** The value of one sample in Prometheus text, 0 when absent. */
export function sample(text: string, name: string, labels = ''): number {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((l) => l.startsWith(prefix));
  return Number(line?.slice(prefix.length) ?? 0);
}

/** Sums a metric over every label set whose labels contain `match`. */
export function sampleSum(text: string, name: string, match = ''): number {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) && l.includes(match))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
}

export interface TestOperator {
  /** The health/metrics port once listening. */
  port: () => number | undefined;
  /** Its log lines at debug level (empty unless started with `captureLog`). */
  log: () => string;
  stop: () => Promise<void>;
}

/**
 * Runs `runOperator` against the test environment the way a deployment would: flags for the
 * apiserver and Vault, metrics on a random loopback port, the lease in the test's own
 * namespace. The operator logs in with `--vault-role` at the platform's mount, on its own
 * policy only (test/support/operator-vault.ts): never with the root token.
 */
export function startTestOperator(options: {
  namespace: string;
  podName: string;
  register: RunOptions['register'];
  /** Keep every log line (debug level) in memory instead of warnings on stdout. */
  captureLog?: boolean;
  vault: { flags: string[]; platform: { vault: { authMount: string } } };
  /** @default the test environment's admin kubeconfig */
  kubeconfig?: string;
  /** More operator flags, such as a FakeExchange's `--exchange-endpoint`s. */
  flags?: string[];
}): TestOperator {
  const env = testEnv();
  if (!env.vault) throw new Error('the test environment has no Vault');
  const abort = new AbortController();
  const captured = capturedLog();
  let port: number | undefined;
  const running = runOperator({
    argv: [
      `--kubeconfig=${options.kubeconfig ?? env.kube.kubeconfig}`,
      `--vault-addr=${env.vault.addr}`,
      ...options.vault.flags,
      '--metrics-port=0',
      '--metrics-host=127.0.0.1',
      `--lease-namespace=${options.namespace}`,
      `--log-level=${options.captureLog ? 'debug' : 'warn'}`,
      ...(options.flags ?? []),
    ],
    env: { POD_NAME: options.podName },
    ...(options.captureLog && { logDestination: captured.destination }),
    register: options.register,
    vaultAuthMount: options.vault.platform.vault.authMount,
    signal: abort.signal,
    onListening: (p) => (port = p),
  });
  return {
    port: () => port,
    log: captured.text,
    stop: async () => {
      abort.abort();
      await running;
    },
  };
}
