/**
 * The Vault policies and Kubernetes-auth roles posture renders for the Titan example, written
 * to a real Vault exactly as gitops/review shows them: Vault accepts them, and a token with a
 * service's policy can read its declared paths and nothing else.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { synthesize } from '../../src/gitops/synth.ts';
import { policyWrite, roleWrite } from '../../src/render/vault/policy.ts';
import { testEnv } from '../support/env.ts';
import { readExample, withNamespaceSuffix } from '../support/render.ts';

const suffix = randomBytes(3).toString('hex');
const { vault } = synthesize(withNamespaceSuffix(readExample(), suffix)).rendered;

async function call(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const env = testEnv().vault;
  assert.ok(env, 'the test environment has no Vault');
  const response = await fetch(`${env.addr}/v1/${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'X-Vault-Token': init.token ?? env.token, 'Content-Type': 'application/json' },
    ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    json: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

async function capabilities(token: string, paths: string[]): Promise<Record<string, string[]>> {
  const result = await call('sys/capabilities-self', { body: { paths }, token });
  assert.equal(result.status, 200, JSON.stringify(result.json));
  return Object.fromEntries(paths.map((p) => [p, result.json[p] as string[]]));
}

describe('rendered Vault policies and roles in a real Vault', () => {
  it('should be accepted by Vault as written in gitops/review', async () => {
    assert.ok(vault.length > 0);
    for (const { access } of vault) {
      for (const write of [policyWrite(access.policy), roleWrite(access.role)]) {
        const result = await call(write.path, { method: 'POST', body: write.body });
        assert.ok(
          result.status === 204 || result.status === 200,
          `${write.path}: ${JSON.stringify(result.json)}`,
        );
      }
      const role = await call(`auth/${access.role.mount}/role/${access.role.name}`);
      const data = role.json['data'] as Record<string, unknown>;
      assert.deepEqual(data['bound_service_account_names'], [access.role.serviceAccount]);
      assert.deepEqual(data['token_policies'], [access.policy.name]);
    }
  });

  it("should let a service's token read exactly its declared paths", async () => {
    const execution = vault.find((v) => v.app.app === 'execution')!;
    const brain = vault.find((v) => v.app.app === 'brain')!;
    const token = await call('auth/token/create', {
      body: { policies: [execution.access.policy.name], ttl: '5m' },
    });
    const clientToken = (token.json['auth'] as { client_token: string }).client_token;
    const own = execution.access.policy.rules.map((r) => r.path);
    const others = brain.access.policy.rules.map((r) => r.path).filter((p) => !own.includes(p));
    assert.ok(others.length > 0, 'brain has paths execution must not read');
    const caps = await capabilities(clientToken, [...own, ...others, 'sys/policies/acl/x']);
    for (const path of own) assert.deepEqual(caps[path], ['read'], path);
    for (const path of [...others, 'sys/policies/acl/x'])
      assert.deepEqual(caps[path], ['deny'], path);
  });
});
