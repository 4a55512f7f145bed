/**
 * The behaviour every VaultAdapter must show, as one suite: run against FakeVault in unit
 * tests and against NodeVaultAdapter + a real Vault in integration tests.
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

    void it('should answer an unknown token accessor with undefined', async () => {
      assert.equal(await adapter().lookupAccessor(`nope${id()}`), undefined);
    });
  });
}
