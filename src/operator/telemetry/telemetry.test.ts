import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { silentLog } from './log.ts';
import { createMetrics } from './metrics.ts';
import { startHealthServer } from './server.ts';

describe('metrics', () => {
  it('should expose every runtime metric by name (kinds register their own)', async () => {
    const metrics = createMetrics();
    metrics.reconcileTotal.inc({ kind: 'TradingService', result: 'success' });
    metrics.trackQueueDepth(() => 3);
    metrics.trackQueueDepth(() => 4);
    const text = await metrics.registry.metrics();
    for (const name of [
      'posture_reconcile_total',
      'posture_reconcile_errors_total',
      'posture_reconcile_duration_seconds',
      'posture_queue_depth',
      'posture_watch_restarts_total',
      'posture_vault_auth_failures_total',
    ]) {
      assert.match(text, new RegExp(`# TYPE ${name} `), name);
    }
    assert.match(text, /posture_queue_depth 7/);
    assert.match(text, /posture_reconcile_total\{kind="TradingService",result="success"\} 1/);
  });

  it('should sum the apiserver requests of every tracked client by verb at each scrape', async () => {
    const metrics = createMetrics();
    const first: Record<string, number> = { get: 2, apply: 1 };
    metrics.trackKubeRequests(() => first);
    metrics.trackKubeRequests(() => ({ apply: 4 }));
    assert.match(await metrics.registry.metrics(), /posture_kube_requests_total\{verb="apply"\} 5/);
    first['apply'] = 3;
    const text = await metrics.registry.metrics();
    assert.match(text, /posture_kube_requests_total\{verb="apply"\} 7/);
    assert.match(text, /posture_kube_requests_total\{verb="get"\} 2/);
  });

  it('should expose the process memory that a memory alert reads', async () => {
    const text = await createMetrics().registry.metrics();
    assert.match(text, /process_resident_memory_bytes \d+/);
    assert.match(text, /nodejs_heap_space_size_used_bytes\{space="old"\} \d+/);
  });
});

describe('health server', () => {
  it('should serve /metrics, /healthz and a /readyz that names what is not ready', async () => {
    const metrics = createMetrics();
    let synced = false;
    const server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      registry: metrics.registry,
      readiness: { 'informers-synced': () => synced },
      log: silentLog,
    });
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: response.status, body: await response.text() };
    };
    try {
      assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n' });
      assert.deepEqual(await get('/readyz'), {
        status: 503,
        body: 'not ready: informers-synced\n',
      });
      synced = true;
      assert.deepEqual(await get('/readyz'), { status: 200, body: 'ok\n' });
      assert.match((await get('/metrics')).body, /posture_queue_depth 0/);
      assert.equal((await get('/nope')).status, 404);
    } finally {
      await server.close();
    }
  });
});
