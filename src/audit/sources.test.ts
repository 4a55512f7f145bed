import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindOf } from './sources.ts';

describe('which files the audit reads, and as what', () => {
  const cases: Array<[string, ReturnType<typeof kindOf>]> = [
    ['Dockerfile', 'dockerfile'],
    ['build/Dockerfile.operator', 'dockerfile'],
    ['images/app.Dockerfile', 'dockerfile'],
    ['Containerfile', 'dockerfile'],
    ['.env', 'dotenv'],
    ['deploy/.env.production', 'dotenv'],
    ['config/app.env', 'dotenv'],
    ['nats.conf', 'natsconf'],
    ['gitops/review/nats/auth.conf', 'natsconf'],
    ['etc/nginx.conf', undefined],
    ['compose.yaml', 'compose'],
    ['docker-compose.override.yml', 'compose'],
    ['compose.prod.yaml', 'compose'],
    ['charts/posture/values.yaml', 'helm-values'],
    ['charts/posture/values-prod.yaml', 'helm-values'],
    ['charts/posture/ci/example-values.yaml', 'helm-values'],
    ['charts/posture/templates/deployment.yaml', undefined],
    ['charts/posture/charts/sub/templates/x.yaml', undefined],
    ['charts/posture/Chart.yaml', 'yaml'],
    ['.github/workflows/ci.yml', 'yaml'],
    ['gitops/apps/titan/brain/deployment.yaml', 'yaml'],
    ['src/cli/main.ts', undefined],
    ['README.md', undefined],
  ];
  for (const [path, kind] of cases) {
    it(`reads ${path} as ${kind ?? 'nothing (not audited)'}`, () =>
      assert.equal(kindOf(path), kind));
  }
});
