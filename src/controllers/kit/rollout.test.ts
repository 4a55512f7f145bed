import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../operator/kube/types.ts';
import { rolloutState, type RolloutState } from './rollout.ts';

const PATH = 'secret/data/posture/nats/titan/brain';
const template = (version: number) =>
  `{{- with secret "${PATH}?version=${version}" -}}{{ index .Data.data "seed" }}{{- end -}}`;

function deployment(version: number, status: Record<string, unknown>): KubeObject {
  return {
    metadata: { name: 'brain', namespace: 'titan', generation: 2 },
    spec: {
      replicas: 2,
      template: {
        metadata: {
          annotations: {
            'vault.hashicorp.com/agent-inject-template-nats-nkey-seed': template(version),
          },
        },
      },
    },
    status,
  };
}

const rolled = { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 };

describe('rolloutState', () => {
  const cases: [string, KubeObject | undefined, RolloutState][] = [
    ['should be absent without a Deployment', undefined, 'absent'],
    ['should be pending while the template pins another version', deployment(1, rolled), 'pending'],
    [
      'should be done once every pod runs the pinned template and is available',
      deployment(2, rolled),
      'done',
    ],
    [
      'should be pending while the controller has not observed the new generation',
      deployment(2, { ...rolled, observedGeneration: 1 }),
      'pending',
    ],
    [
      'should be pending while an old pod still counts among the replicas',
      deployment(2, { ...rolled, replicas: 3 }),
      'pending',
    ],
    [
      'should be pending while a new pod is not yet available',
      deployment(2, { ...rolled, availableReplicas: 1 }),
      'pending',
    ],
    [
      'should be pending while an old pod is still terminating',
      deployment(2, { ...rolled, terminatingReplicas: 1 }),
      'pending',
    ],
    [
      'should be failed once the rollout passed its progress deadline',
      deployment(2, {
        ...rolled,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      }),
      'failed',
    ],
  ];
  for (const [name, live, state] of cases) {
    it(name, () => {
      assert.equal(rolloutState('brain', live, { dataPath: PATH, version: 2 }).state, state);
    });
  }

  it('should not take version 2 for version 20', () => {
    assert.equal(
      rolloutState('brain', deployment(20, rolled), { dataPath: PATH, version: 2 }).state,
      'pending',
    );
  });
});
