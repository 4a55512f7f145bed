import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeClient } from './kube/client.ts';
import { RESOURCES } from './kube/resources.ts';
import { Manager } from './manager.ts';
import { silentLog } from './telemetry/log.ts';
import { createMetrics } from './telemetry/metrics.ts';

function manager(): Manager {
  return new Manager({
    client: {} as KubeClient,
    log: silentLog,
    metrics: createMetrics(),
    identity: 'test',
    workers: 1,
    resyncPeriodMs: 60_000,
    stallTimeoutMs: 60_000,
    leaderElection: { enabled: false, namespace: 'default', name: 'unused' },
  });
}

describe('Manager informers', () => {
  it('should give every controller asking for the same resource, scope and selector one informer', () => {
    const m = manager();
    const spec = { resource: RESOURCES.deployment, namespace: 'titan', labelSelector: 'a=b' };
    assert.equal(m.informer({ ...spec }), m.informer({ ...spec }));
  });

  const different: [string, object][] = [
    ['should keep a separate informer for another namespace', { namespace: 'other' }],
    ['should keep a separate informer for the cluster-wide scope', { namespace: undefined }],
    ['should keep a separate informer for another label selector', { labelSelector: 'a=c' }],
    ['should keep a separate informer for another resource', { resource: RESOURCES.service }],
  ];
  for (const [name, change] of different) {
    it(name, () => {
      const m = manager();
      const spec = { resource: RESOURCES.deployment, namespace: 'titan', labelSelector: 'a=b' };
      assert.notEqual(m.informer(spec), m.informer({ ...spec, ...change }));
    });
  }
});
