/**
 * Issue 8, Vault delivery end to end: Vault's Kubernetes auth is configured against the
 * test apiserver; a service's ServiceAccount token logs in and reads exactly its declared
 * secrets; the same token is denied every other path; another service's token is denied
 * this one's; revoking by accessor ends the session.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import { staticToken } from '../../src/vault/auth.ts';
import { VaultRequestError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { renderPolicyHcl, roleWrite } from '../../src/render/vault/policy.ts';
import { testEnv } from '../support/env.ts';
import {
  kubernetesAuthMount,
  mustKubectl,
  type KubernetesAuthMount,
} from '../support/kubernetes-auth.ts';
import { createTestNamespace, testKubeClient } from '../support/operator.ts';

const must = mustKubectl;

function denied(error: unknown): boolean {
  return error instanceof VaultRequestError && error.status === 403;
}

describe('Vault delivery through Kubernetes auth', () => {
  const admin = testKubeClient();
  const id = randomBytes(3).toString('hex');
  let auth: KubernetesAuthMount;
  let mount: string;
  let namespace: string;
  let root: VaultAdapter;
  let vaultAddr: string;
  const secretPath = (service: string) => `secret/${namespace}/${service}/db`;

  before(async () => {
    const env = testEnv();
    if (!env.vault) throw new Error('the test environment has no Vault');
    vaultAddr = env.vault.addr;
    root = new HttpVaultAdapter({ address: vaultAddr, token: staticToken(env.vault.token) });
    namespace = await createTestNamespace(admin, 'vault-delivery');
    for (const sa of ['brain', 'hunter'])
      await must(['-n', namespace, 'create', 'serviceaccount', sa]);
    auth = await kubernetesAuthMount(root, namespace);
    mount = auth.mount;
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
    await auth.remove();
    for (const service of ['brain', 'hunter']) {
      await root.deletePolicy(`posture-${namespace}-${service}`);
      await root.kvDestroy(secretPath(service));
    }
    await admin.delete(RESOURCES.namespace, { name: namespace });
  });

  async function loginAs(service: string, role = service) {
    const jwt = await must(['-n', namespace, 'create', 'token', service, '--duration=10m']);
    const login = await root.kubernetesLogin(mount, role, jwt);
    return {
      login,
      vault: new HttpVaultAdapter({ address: vaultAddr, token: staticToken(login.token) }),
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
