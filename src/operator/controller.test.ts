import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, ownerKeys, type Reconcile } from './controller.ts';
import { TerminalError } from './errors.ts';
import { Informer } from './informer/informer.ts';
import { RESOURCES } from './kube/resources.ts';
import type { KubeObject } from './kube/types.ts';
import { silentLog } from './telemetry/log.ts';
import { createMetrics } from './telemetry/metrics.ts';
import { FakeClock } from '../lib/testing/fake-clock.ts';
import { Channel, FakeSource, object } from './testing/fake-source.ts';

function setup(
  reconcile: Reconcile<KubeObject>,
  items: KubeObject[] = [object('a', '1'), object('b', '2')],
  options: { onResync?: () => void } = {},
) {
  const clock = new FakeClock();
  const source = new FakeSource();
  const watch = new Channel();
  source.lists.push({ items, resourceVersion: '10', continue: '' });
  source.watches.push(watch);
  const informer = new Informer({
    source,
    resource: RESOURCES.configMap,
    namespace: 'ns',
    log: silentLog,
    clock,
  });
  const metrics = createMetrics();
  const controller = new Controller({
    kind: 'Widget',
    informer,
    reconcile,
    workers: 2,
    resyncPeriodMs: 60_000,
    metrics,
    log: silentLog,
    clock,
    random: () => 0.5,
    ...options,
  });
  const stop = new AbortController();
  const informerRun = informer.run(stop.signal);
  const leading = new AbortController();
  const run = controller.run(leading.signal);
  const finish = async () => {
    leading.abort();
    await run;
    stop.abort();
    await informerRun;
  };
  return { clock, watch, metrics, finish, informer };
}

async function metricValue(
  metrics: ReturnType<typeof createMetrics>,
  name: string,
  labels: string,
): Promise<number> {
  const line = (await metrics.registry.metrics())
    .split('\n')
    .find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').at(-1) ?? 0);
}

describe('controller', () => {
  it('should reconcile every cached object once at start and a changed one again', async () => {
    const seen: string[] = [];
    const t = setup((request) => {
      seen.push(`${request.key}@${request.object?.metadata.resourceVersion ?? 'gone'}`);
      return Promise.resolve();
    });
    await t.clock.advance(0);
    t.watch.push({ type: 'MODIFIED', object: object('a', '11') });
    t.watch.push({ type: 'DELETED', object: object('b', '12') });
    await t.clock.advance(0);
    assert.deepEqual(seen.sort(), ['ns/a@1', 'ns/a@11', 'ns/b@2', 'ns/b@gone']);
    assert.equal(
      await metricValue(t.metrics, 'posture_reconcile_total', 'kind="Widget",result="success"'),
      4,
    );
    await t.finish();
  });

  it('should retry a failing reconcile with backoff and not retry a terminal one', async () => {
    const calls = new Map<string, number>();
    const t = setup((request) => {
      const n = (calls.get(request.key) ?? 0) + 1;
      calls.set(request.key, n);
      if (request.key === 'ns/a')
        return Promise.reject(new TerminalError('InvalidSpec', 'spec.replicas: must be >= 0'));
      return n < 3 ? Promise.reject(new Error('vault down')) : Promise.resolve();
    });
    await t.clock.advance(10_000);
    assert.deepEqual(Object.fromEntries(calls), { 'ns/a': 1, 'ns/b': 3 });
    assert.equal(
      await metricValue(t.metrics, 'posture_reconcile_total', 'kind="Widget",result="terminal"'),
      1,
    );
    assert.equal(
      await metricValue(t.metrics, 'posture_reconcile_total', 'kind="Widget",result="error"'),
      2,
    );
    assert.equal(
      await metricValue(t.metrics, 'posture_reconcile_errors_total', 'kind="Widget"'),
      3,
    );
    await t.finish();
  });

  it('should not retry a TerminalError wrapped as the cause of another error', async () => {
    let calls = 0;
    const t = setup(() => {
      calls += 1;
      const terminal = new TerminalError('InvalidSpec', 'spec.replicas: must be >= 0');
      return Promise.reject(new Error('apply failed', { cause: terminal }));
    }, [object('a', '1')]);
    await t.clock.advance(10_000);
    assert.equal(calls, 1);
    assert.equal(
      await metricValue(t.metrics, 'posture_reconcile_total', 'kind="Widget",result="terminal"'),
      1,
    );
    await t.finish();
  });

  it('should expose every result series at zero before the first reconcile', async () => {
    const t = setup(() => Promise.resolve(), []);
    const text = await t.metrics.registry.metrics();
    for (const result of ['success', 'requeue', 'error', 'terminal'])
      assert.match(
        text,
        new RegExp(`^posture_reconcile_total\\{kind="Widget",result="${result}"\\} 0$`, 'm'),
      );
    assert.match(text, /^posture_reconcile_errors_total\{kind="Widget"\} 0$/m);
    await t.finish();
  });

  it('should requeue after the asked delay and resync every cached key periodically', async () => {
    const seen: string[] = [];
    const t = setup(
      (request) => {
        seen.push(request.key);
        return Promise.resolve(request.key === 'ns/a' ? { requeueAfterMs: 20_000 } : undefined);
      },
      [object('a', '1')].concat(object('b', '2')),
    );
    await t.clock.advance(0);
    assert.deepEqual(seen.sort(), ['ns/a', 'ns/b']);
    await t.clock.advance(20_000);
    assert.deepEqual(seen.filter((k) => k === 'ns/a').length, 2);
    await t.clock.advance(40_000);
    assert.deepEqual(seen.filter((k) => k === 'ns/b').length, 2, 'resync after 60 s');
    await t.finish();
  });

  it('should tell the controller of each resync, leadership starting included, before its keys', async () => {
    const seen: string[] = [];
    const t = setup(
      (request) => {
        seen.push(request.key);
        return Promise.resolve();
      },
      [object('a', '1')],
      { onResync: () => seen.push('resync') },
    );
    await t.clock.advance(0);
    assert.deepEqual(seen, ['resync', 'ns/a']);
    await t.clock.advance(60_000);
    assert.deepEqual(seen, ['resync', 'ns/a', 'resync', 'ns/a']);
    await t.finish();
  });

  it('should let an in-flight reconcile finish when leadership ends, and start no new one', async () => {
    let finished = 0;
    let started = 0;
    const t = setup(async () => {
      started += 1;
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished += 1;
    });
    await t.clock.advance(0);
    await t.finish();
    assert.equal(started, finished);
  });
});

describe('owner mapping', () => {
  it('maps an owned object to its controlling owner of the given kind only', () => {
    const owned: KubeObject = {
      metadata: {
        name: 'brain-abc',
        namespace: 'prod',
        ownerReferences: [
          {
            apiVersion: 'posture.dev/v1alpha1',
            kind: 'TradingService',
            name: 'brain',
            uid: 'u',
            controller: true,
          },
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'other', uid: 'v' },
        ],
      },
    };
    assert.deepEqual(
      ownerKeys('TradingService')({ type: 'delete', key: 'prod/brain-abc', object: owned }),
      ['prod/brain'],
    );
  });
});
