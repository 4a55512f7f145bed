import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Informer } from '../../src/operator/informer/informer.ts';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger, silentLog } from '../../src/operator/telemetry/log.ts';
import { createMetrics } from '../../src/operator/telemetry/metrics.ts';
import { startControlPlane, type ControlPlane } from '../../src/testenv/kube.ts';
import { testEnv } from '../support/env.ts';
import {
  WIDGET,
  createTestNamespace,
  eventually,
  installWidgetCrd,
  accessFor,
  sampleSum,
  testKubeClient,
} from '../support/operator.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { registerWidgetOperator } from '../support/widget-operator.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

describe('informer against a real apiserver', () => {
  it('should restart a watch that went silent within the stall timeout and miss nothing', async () => {
    const env = testEnv();
    const admin = testKubeClient();
    const namespace = await createTestNamespace(admin, 'op-stall');
    const url = new URL(env.kube.server);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
    const client = new KubeClient({
      access: accessFor(`https://127.0.0.1:${proxy.port}`, env.kube),
    });
    let stalledAt = 0;
    const stallTimeoutMs = 2000;
    // The watch would end on its own only after this: a restart before it is the stall timer's.
    const watchTimeoutSeconds = 60;
    const informer = new Informer({
      source: client,
      resource: RESOURCES.configMap,
      namespace,
      log: silentLog,
      stallTimeoutMs,
      watchTimeoutSeconds,
      onRestart: (reason) => {
        if (reason === 'stall' && stalledAt === 0) stalledAt = Date.now();
      },
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      await informer.waitForSync();
      proxy.freezeExisting();
      const frozenAt = Date.now();
      await admin.create(RESOURCES.configMap, { metadata: { name: 'during-stall', namespace } });
      await eventually('the stall to be detected', () => stalledAt || undefined, 30_000);
      // The timer fires a stall timeout after the last event, which came before the freeze;
      // the slack is for a busy event loop, and still far below the watch's own end.
      const detectedAfter = stalledAt - frozenAt;
      assert.ok(
        detectedAfter < 4 * stallTimeoutMs,
        `stall detected ${detectedAfter} ms after the freeze (stall timeout ${stallTimeoutMs} ms, watch timeout ${watchTimeoutSeconds} s)`,
      );
      // The restarted watch must not reuse the frozen connection (the transport resets its pool).
      await eventually(
        'the object created during the stall',
        () => informer.store.get(`${namespace}/during-stall`),
        30_000,
      );
    } finally {
      stop.abort();
      await running;
      await proxy.close();
      await admin.delete(RESOURCES.namespace, { name: namespace });
    }
  });
});

describe('operator recovery from a kube-apiserver restart (private control plane)', () => {
  let plane: ControlPlane;
  let dir: string;
  let client: KubeClient;

  before(async () => {
    dir = scratchDir('posture-recovery-');
    plane = await startControlPlane({ dir, bin: testEnv().bin });
    client = new KubeClient({ access: accessFor(plane.server, plane) });
    await installWidgetCrd(client);
  });
  after(async () => {
    for (const p of [...plane.processes].reverse()) await p.stop();
  });

  it('should re-list after 410 Gone and keep reconciling without restarting itself', async () => {
    const namespace = await createTestNamespace(client, 'op-recover');
    const metrics = createMetrics();
    const manager = new Manager({
      client,
      log: createLogger({ level: 'error' }),
      metrics,
      identity: 'recovery-test',
      workers: 2,
      resyncPeriodMs: 600_000,
      stallTimeoutMs: 60_000,
      leaderElection: { enabled: true, namespace, name: 'recovery' },
      leaseTimings: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 1000 },
    });
    registerWidgetOperator(manager, client, namespace);
    const stop = new AbortController();
    const running = manager.run(stop.signal);
    const configMap = (name: string) =>
      client.get(RESOURCES.configMap, { name: `${name}-size`, namespace });
    try {
      await client.create(WIDGET, { metadata: { name: 'w1', namespace }, spec: { size: 1 } });
      await eventually('w1 reconciled', () => configMap('w1'));
      await plane.restartApiserver();
      // The watch cache of the restarted apiserver starts at the current revision: resuming
      // from an older resourceVersion answers 410 Gone, which must lead to a re-list.
      await eventually(
        'a 410 re-list',
        async () =>
          sampleSum(
            await metrics.registry.metrics(),
            'posture_watch_restarts_total',
            'reason="gone"',
          ) > 0 || undefined,
        30_000,
      );
      await client.create(WIDGET, { metadata: { name: 'w2', namespace }, spec: { size: 2 } });
      await eventually('w2 reconciled after the restart', () => configMap('w2'), 30_000);
      await client.delete(RESOURCES.configMap, { name: 'w1-size', namespace });
      await eventually('w1 ConfigMap restored after the restart', () => configMap('w1'), 30_000);
      assert.equal(
        manager.isLeader(),
        true,
        'leadership survived a restart shorter than the renew deadline',
      );
    } finally {
      stop.abort();
      await running;
    }
  });
});
