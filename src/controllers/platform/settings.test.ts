import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { platformSchema } from '../../api/platform/settings.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import {
  clusterPlatform,
  MISSING_MESSAGE,
  natsNamespaceProblem,
  settingsVerdict,
} from './settings.ts';

const loaded = platformSchema.parse({ egressGateway: { ips: ['203.0.113.10'] } });

const object = (spec: unknown, name = 'posture', extra: object = {}): KubeObject => ({
  apiVersion: 'posture.dev/v1alpha1',
  kind: 'PosturePlatform',
  metadata: { name, ...extra },
  spec,
});

describe('the operator and the PosturePlatform it runs on', () => {
  const cases: [string, 'add' | 'update' | 'delete', KubeObject, string][] = [
    [
      'keeps running when the watch lists the object it started with',
      'add',
      object({ egressGateway: { ips: ['203.0.113.10'] } }),
      'same',
    ],
    [
      'keeps running when a default is only spelled out',
      'update',
      object({ egressGateway: { ips: ['203.0.113.10'] }, dns: { port: 53 } }),
      'same',
    ],
    [
      'keeps running when only labels change',
      'update',
      object({ egressGateway: { ips: ['203.0.113.10'] } }, 'posture', { labels: { a: 'b' } }),
      'same',
    ],
    [
      'stops when a setting changes',
      'update',
      object({ egressGateway: { ips: ['203.0.113.11'] } }),
      'changed',
    ],
    [
      'stops when the settings become unreadable',
      'update',
      object({ dns: { port: 'x' } }),
      'changed',
    ],
    ['stops when the settings are deleted', 'delete', object({}), 'deleted'],
    ['ignores an object of another name', 'update', object({}, 'other'), 'other'],
  ];
  for (const [name, type, obj, expected] of cases)
    it(name, () => assert.equal(settingsVerdict(loaded, type, obj), expected));

  it('refuses to start without the object, saying how to create it', async () => {
    await assert.rejects(
      clusterPlatform({ get: () => Promise.resolve(undefined) }),
      (e: Error) => e.message === MISSING_MESSAGE && /kubectl apply --server-side/.test(e.message),
    );
  });

  it('refuses to start on invalid settings, naming the field', async () => {
    const get = () => Promise.resolve(object({ egressGateway: { ips: ['nope'] } }));
    await assert.rejects(clusterPlatform({ get } as never), /egressGateway\.ips\[0\]/);
  });

  it('starts on the settings of the object, defaults filled in', async () => {
    const get = () => Promise.resolve(object({ egressGateway: { ips: ['203.0.113.10'] } }));
    assert.deepEqual(await clusterPlatform({ get } as never), loaded);
  });

  it('refuses settings whose NATS namespace is not the one its RBAC allows, naming both', () => {
    assert.match(
      natsNamespaceProblem(loaded, 'nats-prod') ?? '',
      /nats\.namespace nats, but this operator may write the NATS auth Secret only in nats-prod/,
    );
    assert.equal(natsNamespaceProblem(loaded, 'nats'), undefined);
    assert.equal(natsNamespaceProblem(loaded, undefined), undefined);
  });
});
