import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../operator/kube/types.ts';
import { readyReplicasOf } from './status.ts';

const deployment = (status: object): KubeObject => ({
  metadata: { name: 'trader', namespace: 'titan' },
  status,
});

describe('readyReplicasOf', () => {
  const cases: [string, KubeObject | undefined, number][] = [
    ["should take the Deployment's status.readyReplicas", deployment({ readyReplicas: 2 }), 2],
    ['should say 0 when no pod is ready (the field is omitted)', deployment({ replicas: 1 }), 0],
    ['should say 0 when the Deployment does not exist (yet)', undefined, 0],
  ];
  for (const [name, input, want] of cases)
    it(name, () => assert.equal(readyReplicasOf(input), want));
});
