/**
 * The behaviour every VaultAdapter must show, as one suite: run against FakeVault in unit
 * tests and against HttpVaultAdapter + a real Vault in integration tests.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { VaultAdapter } from './adapter.ts';
import { VaultRequestError } from './errors.ts';

export function vaultContract(name: string, adapter: () => VaultAdapter): void {
  const id = (): string => randomBytes(4).toString('hex');

  void describe(`VaultAdapter contract: ${name}`, () => {
    void it('should write, read back and delete a policy', async () => {
      const vault = adapter();
      const policy = `posture-contract-${id()}`;
      const hcl = 'path "secret/data/contract/x" {\n  capabilities = ["read"]\n}\n';
      await vault.writePolicy(policy, hcl);
      assert.equal(await vault.readPolicy(policy), hcl);
      await vault.deletePolicy(policy);
      assert.equal(await vault.readPolicy(policy), undefined);
      await vault.deletePolicy(policy);
    });

    void it('should version KV v2 secrets and report their creation times', async () => {
      const vault = adapter();
      const path = `secret/contract/${id()}`;
      assert.equal(await vault.kvRead(path), undefined);
      assert.equal(await vault.kvMetadata(path), undefined);
      const v1 = await vault.kvWrite(path, { primary: 'one' }, 0);
      const v2 = await vault.kvWrite(path, { primary: 'two', secondary: 'one' });
      assert.deepEqual([v1.version, v2.version], [1, 2]);
      assert.deepEqual((await vault.kvRead(path))?.data, { primary: 'two', secondary: 'one' });
      assert.deepEqual((await vault.kvRead(path, 1))?.data, { primary: 'one' });
      const metadata = await vault.kvMetadata(path);
      assert.equal(metadata?.currentVersion, 2);
      assert.equal(metadata?.versions[2]?.createdTime, v2.createdTime);
      assert.ok(Date.parse(v2.createdTime) >= Date.parse(v1.createdTime));
      await vault.kvDestroy(path);
      assert.equal(await vault.kvRead(path), undefined);
    });

    void it('should refuse a check-and-set write against a stale version, terminally', async () => {
      const vault = adapter();
      const path = `secret/contract/${id()}`;
      await vault.kvWrite(path, { a: '1' });
      await assert.rejects(vault.kvWrite(path, { a: '2' }, 0), (error: unknown) => {
        assert.ok(error instanceof VaultRequestError);
        assert.equal(error.status, 400);
        return true;
      });
      await vault.kvDestroy(path);
    });

    void it('should list KV folders by namespace, a nested secret as its folder too', async () => {
      const vault = adapter();
      const [a, b] = [`contract-a-${id()}`, `contract-b-${id()}`];
      const secrets = [`${a}/titan`, `${b}/signals`, `${b}/titan`, `${b}/titan/jwt`];
      for (const secret of secrets)
        await vault.kvWrite(`secret/posture/nats/${secret}`, { x: '1' });
      const folders = await vault.list('secret/metadata/posture/nats/');
      assert.deepEqual(
        folders.filter((key) => key === `${a}/` || key === `${b}/`),
        [`${a}/`, `${b}/`],
      );
      assert.deepEqual(await vault.list(`secret/metadata/posture/nats/${a}`), ['titan']);
      assert.deepEqual(await vault.list(`secret/metadata/posture/nats/${b}/`), [
        'signals',
        'titan',
        'titan/',
      ]);
      for (const secret of secrets) await vault.kvDestroy(`secret/posture/nats/${secret}`);
      assert.deepEqual(await vault.list(`secret/metadata/posture/nats/${b}/`), []);
    });

    void it('should list the roles of an auth mount, none as an empty list', async () => {
      const vault = adapter();
      const mount = `contract-${id()}`;
      await vault.write({ path: `sys/auth/${mount}`, body: { type: 'kubernetes' } });
      try {
        assert.deepEqual(await vault.list(`auth/${mount}/role`), []);
        const body = {
          bound_service_account_names: ['a'],
          bound_service_account_namespaces: ['n'],
        };
        for (const role of ['titan', 'signals'])
          await vault.write({ path: `auth/${mount}/role/${role}`, body });
        assert.deepEqual(await vault.list(`auth/${mount}/role`), ['signals', 'titan']);
        await vault.deleteKubernetesRole(mount, 'titan');
        assert.deepEqual(await vault.list(`auth/${mount}/role/`), ['signals']);
      } finally {
        await vault.delete(`sys/auth/${mount}`);
      }
    });

    void it('should list ACL policies, and a deleted one no more', async () => {
      const vault = adapter();
      const [kept, gone] = [`posture-contract-${id()}`, `posture-contract-${id()}`];
      for (const name of [kept, gone])
        await vault.writePolicy(name, 'path "x" {\n  capabilities = ["read"]\n}\n');
      await vault.deletePolicy(gone);
      const names = await vault.list('sys/policies/acl');
      assert.ok(names.includes(kept) && !names.includes(gone), names.join(' '));
      await vault.deletePolicy(kept);
    });

    void it('should list an absent folder as empty', async () => {
      assert.deepEqual(await adapter().list(`secret/metadata/contract-absent-${id()}/`), []);
    });

    void it('should answer an unknown token accessor with undefined', async () => {
      assert.equal(await adapter().lookupAccessor(`nope${id()}`), undefined);
    });
  });
}
