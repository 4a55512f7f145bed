/**
 * Issue 8, Vault delivery end to end: Vault's Kubernetes auth is configured against the
 * test apiserver; a service's ServiceAccount token logs in and reads exactly its declared
 * secrets; the same token is denied every other path; another service's token is denied
 * this one's; revoking by accessor ends the session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultRequestError } from '../../src/vault/errors.ts';
import { NodeVaultAdapter } from '../../src/vault/node-vault.ts';
import { renderPolicyHcl, roleWrite } from '../../src/vault/policy.ts';
import { kubectl, testEnv } from '../support/env.ts';
import { createTestNamespace, testKubeClient } from '../support/operator.ts';

async function must(args: string[]): Promise<string> {
  const result = await kubectl(args);
  if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

function denied(error: unknown): boolean {
  return error instanceof VaultRequestError && error.status === 403;
}

describe('Vault delivery through Kubernetes auth', () => {
  const admin = testKubeClient();
  const id = randomBytes(3).toString('hex');
  const mount = `k8s-${id}`;
  let namespace: string;
  let root: VaultAdapter;
  let vaultAddr: string;
  const secretPath = (service: string) => `secret/${namespace}/${service}/db`;

  before(async () => {
    const env = testEnv();
    if (!env.vault) throw new Error('the test environment has no Vault');
    vaultAddr = env.vault.addr;
    root = new NodeVaultAdapter({ address: vaultAddr, token: staticToken(env.vault.token) });
    namespace = await createTestNamespace(admin, 'vault-delivery');
    for (const sa of ['brain', 'hunter', 'vault-reviewer'])
      await must(['-n', namespace, 'create', 'serviceaccount', sa]);
    await must([
      'create',
      'clusterrolebinding',
      `${namespace}-reviewer`,
      '--clusterrole=system:auth-delegator',
      `--serviceaccount=${namespace}:vault-reviewer`,
    ]);
    const reviewer = await must([
      '-n',
      namespace,
      'create',
      'token',
      'vault-reviewer',
      '--duration=1h',
    ]);
    // A mount of its own: tests running in parallel never share Kubernetes auth config.
    await root.write({ path: `sys/auth/${mount}`, body: { type: 'kubernetes' } });
    await root.configureKubernetesAuth(mount, {
      host: env.kube.server,
      caCert: readFileSync(env.kube.caFile, 'utf8'),
      tokenReviewerJwt: reviewer,
    });
    for (const service of ['brain', 'hunter']) {
      const policy = `posture-${namespace}-${service}`;
      const rules = [
        {
          path: `secret/data/${namespace}/${service}/db`,
          capabilities: ['read' as const],
          reason: `${service} db`,
        },
      ];
      await root.writePolicy(policy, renderPolicyHcl({ name: policy, rules }));
      await root.write(
        roleWrite({
          name: service,
          mount,
          serviceAccount: service,
          namespace,
          policies: [policy],
          tokenTtl: '10m',
          tokenMaxTtl: '1h',
        }),
      );
      await root.kvWrite(secretPath(service), { password: `${service}-${id}` });
    }
  });

  after(async () => {
    await root.delete(`sys/auth/${mount}`);
    for (const service of ['brain', 'hunter']) {
      await root.deletePolicy(`posture-${namespace}-${service}`);
      await root.kvDestroy(secretPath(service));
    }
    await must(['delete', 'clusterrolebinding', `${namespace}-reviewer`]);
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  async function loginAs(service: string, role = service) {
    const jwt = await must(['-n', namespace, 'create', 'token', service, '--duration=10m']);
    const login = await root.kubernetesLogin(mount, role, jwt);
    return {
      login,
      vault: new NodeVaultAdapter({ address: vaultAddr, token: staticToken(login.token) }),
    };
  }

  it('should let a service read exactly its declared secret', async () => {
    const { login, vault } = await loginAs('brain');
    assert.deepEqual(login.policies.sort(), ['default', `posture-${namespace}-brain`]);
    assert.deepEqual((await vault.kvRead(secretPath('brain')))?.data, { password: `brain-${id}` });
  });

  it('should deny the same token every other path', async () => {
    const { vault } = await loginAs('brain');
    const attempts: Array<[string, () => Promise<unknown>]> = [
      ['another service secret', () => vault.kvRead(secretPath('hunter'))],
      ['a sibling path', () => vault.kvRead(`secret/${namespace}/brain/other`)],
      ['writing its own secret', () => vault.kvWrite(secretPath('brain'), { password: 'x' })],
      ['its secret metadata', () => vault.kvMetadata(secretPath('brain'))],
      ['policies', () => vault.readPolicy(`posture-${namespace}-brain`)],
      ['token accessors', () => vault.listAccessors()],
    ];
    for (const [what, attempt] of attempts) await assert.rejects(attempt(), denied, what);
  });

  it("should deny another service's token this service's secret", async () => {
    const { vault } = await loginAs('hunter');
    assert.deepEqual((await vault.kvRead(secretPath('hunter')))?.data, {
      password: `hunter-${id}`,
    });
    await assert.rejects(vault.kvRead(secretPath('brain')), denied);
  });

  it("should refuse a login with another service's role", async () => {
    await assert.rejects(loginAs('hunter', 'brain'), denied);
  });

  it('should end a session revoked by accessor and show whose it was', async () => {
    const { login, vault } = await loginAs('brain');
    const info = await root.lookupAccessor(login.accessor);
    assert.equal(info?.meta.service_account_namespace, namespace);
    assert.equal(info?.meta.service_account_name, 'brain');
    assert.ok((await root.listAccessors()).includes(login.accessor));
    await root.revokeAccessor(login.accessor);
    await assert.rejects(vault.kvRead(secretPath('brain')), denied);
    assert.equal(await root.lookupAccessor(login.accessor), undefined);
  });
});
