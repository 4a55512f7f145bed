import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { movedTo } from './limit.ts';

describe('movedTo', () => {
  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: 'svc-1',
      namespace: 'team-3',
      labels: { 'app.kubernetes.io/managed-by': 'posture', 'posture.dev/service': 'svc-1' },
    },
    spec: { template: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'posture' } } } },
  };

  it("should move objects to the prefixed namespace and label them as the bench's", () => {
    const [moved] = movedTo([deployment], 'kc');
    assert.deepEqual(moved, {
      ...deployment,
      metadata: {
        ...deployment.metadata,
        namespace: 'kc-team-3',
        labels: { 'app.kubernetes.io/managed-by': 'bench', 'posture.dev/service': 'svc-1' },
      },
      spec: { template: { metadata: { labels: { 'app.kubernetes.io/managed-by': 'bench' } } } },
    });
  });

  it('should leave the objects it was given unchanged', () => {
    movedTo([deployment], 'kc');
    assert.equal(deployment.metadata.namespace, 'team-3');
    assert.equal(deployment.metadata.labels['app.kubernetes.io/managed-by'], 'posture');
  });
});
