import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import { LeaderElector } from '../../src/operator/leader/elector.ts';
import type { Lease } from '../../src/operator/leader/lease.ts';
import { Manager } from '../../src/operator/manager.ts';
import { createLogger, silentLog } from '../../src/operator/telemetry/log.ts';
import { createMetrics } from '../../src/operator/telemetry/metrics.ts';
import { testEnv } from '../support/env.ts';
import {
  WIDGET,
  createTestNamespace,
  eventually,
  installWidgetCrd,
  accessFor,
  testKubeClient,
} from '../support/operator.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { registerWidgetOperator } from '../support/widget-operator.ts';

const FAST = { leaseDurationMs: 4000, renewDeadlineMs: 3000, retryPeriodMs: 500 };

describe('leader election against a real apiserver', () => {
  let admin: KubeClient;
  let namespace: string;

  before(async () => {
    admin = testKubeClient();
    await installWidgetCrd(admin);
    namespace = await createTestNamespace(admin, 'op-leader');
  });
  after(async () => {
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  function replica(identity: string, client = testKubeClient()) {
    const manager = new Manager({
      client,
      log: createLogger({ level: 'warn', bindings: { identity } }),
      metrics: createMetrics(),
      identity,
      workers: 2,
      resyncPeriodMs: 60_000,
      stallTimeoutMs: 60_000,
      leaderElection: { enabled: true, namespace, name: 'widgets' },
      leaseTimings: FAST,
    });
    registerWidgetOperator(manager, client, namespace);
    const stop = new AbortController();
    return { identity, manager, client, stop, running: manager.run(stop.signal) };
  }

  it('should let only the leader write and hand over on graceful shutdown', async () => {
    const a = replica('a');
    await eventually('a to lead', () => a.manager.isLeader() || undefined);
    const b = replica('b');
    await admin.create(WIDGET, { metadata: { name: 'before', namespace }, spec: { size: 1 } });
    await eventually('the leader to reconcile', () =>
      admin.get(RESOURCES.configMap, { name: 'before-size', namespace }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(b.manager.isLeader(), false);
    assert.equal(b.client.counts().apply ?? 0, 0, 'the follower applied nothing');
    assert.equal(b.client.counts().update ?? 0, 0, 'the follower did not touch the lease');

    const stoppedAt = Date.now();
    a.stop.abort();
    await a.running;
    const lease = await admin.get<Lease>(RESOURCES.lease, { name: 'widgets', namespace });
    assert.equal(lease?.spec?.holderIdentity, '', 'a released the lease');
    await eventually('b to lead', () => b.manager.isLeader() || undefined);
    assert.ok(Date.now() - stoppedAt < 2000, 'handover within a retry period or so');
    await admin.create(WIDGET, { metadata: { name: 'after', namespace }, spec: { size: 2 } });
    await eventually('the new leader to reconcile', () =>
      admin.get(RESOURCES.configMap, { name: 'after-size', namespace }),
    );
    b.stop.abort();
    await b.running;
  });

  it('should fail over within the lease plus two retry periods when the leader is cut off (default timings)', async () => {
    const env = testEnv();
    const url = new URL(env.kube.server);
    const proxy = await TcpProxy.start({ host: url.hostname, port: Number(url.port) });
    const viaProxy = new KubeClient({
      access: accessFor(`https://127.0.0.1:${proxy.port}`, env.kube),
    });
    const elector = (identity: string, client: KubeClient) =>
      new LeaderElector({ client, namespace, name: 'failover', identity, log: silentLog });
    const a = elector('a', viaProxy);
    const b = elector('b', testKubeClient());
    const stopA = new AbortController();
    const stopB = new AbortController();
    let aLost = 0;
    const runA = a.run(stopA.signal, {
      onStartedLeading: () => {},
      onStoppedLeading: () => void (aLost = Date.now()),
    });
    let runB: Promise<void> = Promise.resolve();
    try {
      await eventually('a to lead', () => a.isLeader() || undefined);
      runB = b.run(stopB.signal, { onStartedLeading: () => {}, onStoppedLeading: () => {} });
      await new Promise((resolve) => setTimeout(resolve, 2500));
      proxy.partition();
      const cut = Date.now();
      await eventually('b to lead', () => b.isLeader() || undefined, 30_000);
      const failover = Date.now() - cut;
      assert.ok(
        aLost > 0 && aLost - cut <= 10_500,
        `a stopped leading ${aLost - cut} ms after the cut (renew deadline 10 s)`,
      );
      assert.ok(aLost < cut + failover, 'a stopped before b started: never two leaders');
      // b times the lease from when it last saw a renewal (up to one retry period after the
      // cut), then notices expiry at its next poll (up to one more): 15 s + 2 × 2 s, plus
      // request latency on a loaded 2-core machine.
      assert.ok(failover <= 19_500, `failover took ${failover} ms`);
    } finally {
      stopA.abort();
      stopB.abort();
      await Promise.all([runA, runB]);
      await proxy.close();
    }
  });
});
