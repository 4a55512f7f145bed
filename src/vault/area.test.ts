import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { vaultArea } from './http.ts';

describe('the area of a Vault request, for the request metric', () => {
  const cases: [string, string, string][] = [
    ['a policy write is sys/policies', 'sys/policies/acl/posture-team-a-svc', 'sys/policies'],
    ['a token lookup is auth', 'auth/token/lookup-accessor', 'auth'],
    ['a mount listing is sys/mounts', 'sys/mounts', 'sys/mounts'],
    ['a Kubernetes role write is auth, whatever the mount', 'auth/k8s-prod/role/x', 'auth'],
    ['a KV read is kv/data, whatever the mount', 'secret/data/team-a/svc/db?version=3', 'kv/data'],
    ['a KV metadata read is kv/metadata', 'kv/metadata/team-a/svc', 'kv/metadata'],
    ['anything else is other', 'transit/encrypt/key', 'other'],
  ];
  for (const [name, path, area] of cases)
    it(`should say ${name}`, () => assert.equal(vaultArea(path), area));
});
