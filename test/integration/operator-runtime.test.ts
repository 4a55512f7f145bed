import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger } from '../../src/operator/telemetry/log.ts';
import { createMetrics, type Metrics } from '../../src/operator/telemetry/metrics.ts';
import {
  WIDGET,
  createTestNamespace,
  eventually,
  installWidgetCrd,
  sampleSum,
  testKubeClient,
} from '../support/operator.ts';
import { registerWidgetOperator } from '../support/widget-operator.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('operator runtime against a real apiserver', () => {
  let admin: KubeClient;
  let operatorClient: KubeClient;
  let namespace: string;
  let metrics: Metrics;
  let manager: Manager;
  const stop = new AbortController();
  let running: Promise<void>;

  before(async () => {
    admin = testKubeClient();
    await installWidgetCrd(admin);
    namespace = await createTestNamespace(admin, 'op-runtime');
    operatorClient = testKubeClient();
    metrics = createMetrics();
    manager = new Manager({
      client: operatorClient,
      log: createLogger({ level: 'warn' }),
      metrics,
      identity: 'runtime-test',
      workers: 2,
      resyncPeriodMs: 1000,
      stallTimeoutMs: 60_000,
      leaderElection: { enabled: false, namespace, name: 'unused' },
      health: { port: 0, host: '127.0.0.1' },
    });
    registerWidgetOperator(manager, operatorClient, namespace);
    running = manager.run(stop.signal);
  });
  after(async () => {
    stop.abort();
    await running;
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  const configMap = (name: string) =>
    admin.get(RESOURCES.configMap, { name: `${name}-size`, namespace });

  it('should reconcile a Widget into an owned ConfigMap and a Ready status', async () => {
    await admin.create(WIDGET, { metadata: { name: 'w1', namespace }, spec: { size: 3 } });
    const cm = await eventually('the ConfigMap', () => configMap('w1'));
    assert.deepEqual(cm.data, { size: '3' });
    assert.equal(cm.metadata.ownerReferences?.[0]?.name, 'w1');
    const widget = await eventually('Ready status', async () => {
      const w = await admin.get<
        KubeObject & { status?: { conditions?: Array<{ type: string; status: string }> } }
      >(WIDGET, { name: 'w1', namespace });
      return w?.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')
        ? w
        : undefined;
    });
    assert.equal(
      (widget.status as { observedGeneration?: number }).observedGeneration,
      widget.metadata.generation,
    );
  });

  it('should perform zero writes during no-op resyncs (requests counted)', async () => {
    await eventually('a quiet operator', async () => {
      const writes = operatorClient.writes();
      await sleep(1500);
      return operatorClient.writes() === writes ? true : undefined;
    });
    const text = await metrics.registry.metrics();
    const reconciles = sampleSum(text, 'posture_reconcile_total', 'kind="Widget"');
    const before = { writes: operatorClient.writes(), counts: operatorClient.counts() };
    await sleep(3500);
    const afterText = await metrics.registry.metrics();
    assert.ok(
      sampleSum(afterText, 'posture_reconcile_total', 'kind="Widget"') >= reconciles + 3,
      'resyncs ran',
    );
    assert.equal(operatorClient.writes(), before.writes, 'no write during resyncs');
    assert.deepEqual(
      Object.fromEntries(
        Object.entries(operatorClient.counts()).filter(([verb]) => verb !== 'watch'),
      ),
      Object.fromEntries(Object.entries(before.counts).filter(([verb]) => verb !== 'watch')),
      'not even a read: decisions come from the caches',
    );
  });

  it('should bring back a managed object that was deleted', async () => {
    const old = await eventually('the ConfigMap', () => configMap('w1'));
    await admin.delete(RESOURCES.configMap, { name: 'w1-size', namespace });
    const back = await eventually('the ConfigMap to come back', async () => {
      const cm = await configMap('w1');
      return cm && cm.metadata.uid !== old.metadata.uid ? cm : undefined;
    });
    assert.deepEqual(back.data, { size: '3' });
  });

  it('should repair a managed field someone else changed', async () => {
    await admin.patch(RESOURCES.configMap, {
      name: 'w1-size',
      namespace,
      type: 'merge',
      patch: { data: { size: '99' } },
    });
    await eventually(
      'the size to be restored',
      async () =>
        ((await configMap('w1'))?.data as { size?: string } | undefined)?.size === '3' || undefined,
    );
  });

  it('should follow a spec change', async () => {
    await admin.patch(WIDGET, {
      name: 'w1',
      namespace,
      type: 'merge',
      patch: { spec: { size: 5 } },
    });
    await eventually(
      'the new size',
      async () =>
        ((await configMap('w1'))?.data as { size?: string } | undefined)?.size === '5' || undefined,
    );
  });

  it('should serve /readyz, /healthz and /metrics', async () => {
    const base = `http://127.0.0.1:${manager.port}`;
    assert.equal((await fetch(`${base}/readyz`)).status, 200);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /posture_reconcile_duration_seconds_count\{kind="Widget"\} \d+/);
    assert.match(text, /posture_queue_depth \d+/);
  });
});
