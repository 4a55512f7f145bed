import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { defaultPlatform } from '../../api/platform/settings.ts';
import type { VaultAccess } from '../../render/service/index.ts';
import type { VaultWrite } from '../../vault/adapter.ts';
import { FakeVault } from '../../vault/fake.ts';
import { deleteAccess, dropAccess, ensureAccess, removeAccess } from './vault-access.ts';
import { ABSENT, memoKey, serviceKeys, VaultMemo } from './vault-memo.ts';
import { JwtAuthority } from '../../nats/jwt/authority.ts';
import { issueUserJwt, nkeyPath, observeVault, retirableKeys, writeNkey } from './vault.ts';
import { newUserNkey } from '../../nats/nkey.ts';
import { NATS_SEED } from '../../render/build-model.ts';

/**
 * The memo of what posture wrote to Vault (docs/adr/0067): a reconcile between resyncs sends
 * no read of its own writes, and nothing the memo holds keeps a grant that a write, a delete
 * (an isolation) or a resync has changed.
 */

/** FakeVault that counts the requests it answers. */
class CountingVault extends FakeVault {
  requests = 0;
  /** Writes land, then the answer is lost (a timeout after Vault applied it). */
  answerLost = false;
  override async write(w: VaultWrite) {
    this.requests++;
    await super.write(w);
    if (this.answerLost) throw new Error('timed out waiting for the answer');
  }
  override read(path: string) {
    this.requests++;
    return super.read(path);
  }
  override delete(path: string) {
    this.requests++;
    return super.delete(path);
  }
  readonly kvReads: string[] = [];
  override kvRead(path: string, version?: number) {
    this.requests++;
    this.kvReads.push(path);
    return super.kvRead(path, version);
  }
  override kvWrite(path: string, data: Record<string, string>, cas?: number) {
    this.requests++;
    return super.kvWrite(path, data, cas);
  }
}

const platform = defaultPlatform();
const ref = { namespace: 'titan', name: 'pricer' };
const NAME = 'posture-titan-pricer';
const access: VaultAccess = {
  policy: {
    name: NAME,
    rules: [{ path: 'secret/data/titan/db', capabilities: ['read'], reason: 'the db URL' }],
  },
  role: {
    name: NAME,
    mount: platform.vault.authMount,
    serviceAccount: 'pricer',
    namespace: 'titan',
    policies: [NAME],
    tokenTtl: '1h',
    tokenMaxTtl: '4h',
  },
};
const policyPath = `sys/policies/acl/${NAME}`;

describe('the Vault memo of a TradingService', () => {
  let vault: CountingVault;
  let memo: VaultMemo;
  beforeEach(() => {
    vault = new CountingVault();
    memo = new VaultMemo();
  });
  const sent = async (step: () => Promise<unknown>) => {
    const before = vault.requests;
    await step();
    return vault.requests - before;
  };

  it('should send nothing for a grant it wrote, until the next resync', async () => {
    assert.equal(await ensureAccess(vault, access, { memo }), 2);
    assert.equal(await sent(() => ensureAccess(vault, access, { memo })), 0);
  });

  it('should write the grant of a service never reconciled without asking Vault first', async () => {
    await vault.write({ path: policyPath, body: { policy: 'path "secret/*" {}' } });
    assert.equal(await sent(() => ensureAccess(vault, access, { memo, unseen: true })), 2);
    assert.notEqual(vault.paths.get(policyPath)?.['policy'], 'path "secret/*" {}');
    memo.clear();
    assert.equal(
      await sent(() => ensureAccess(vault, access, { memo })),
      2,
      'a resync reads, writes nothing',
    );
  });

  it('should read Vault again after a resync, and put back a policy someone deleted', async () => {
    await ensureAccess(vault, access, { memo });
    await vault.delete(policyPath);
    memo.clear();
    assert.equal(await ensureAccess(vault, access, { memo }), 1, 'the policy written again');
    assert.ok(vault.paths.has(policyPath));
  });

  it('should write the grant again after an isolation deleted it (the release)', async () => {
    await ensureAccess(vault, access, { memo });
    await deleteAccess({ vault, platform, memo }, ref);
    assert.equal(vault.paths.has(policyPath), false);
    assert.equal(await ensureAccess(vault, access, { memo }), 2);
    assert.ok(vault.paths.has(policyPath));
  });

  it('should delete a grant it wrote when the service may read nothing, and then send nothing', async () => {
    await ensureAccess(vault, access, { memo });
    await dropAccess({ vault, platform, memo }, ref);
    assert.equal(vault.paths.has(policyPath), false);
    assert.equal(await sent(() => dropAccess({ vault, platform, memo }, ref)), 0);
  });

  it('should forget a write whose answer was lost, and read again on the next reconcile', async () => {
    await ensureAccess(vault, access, { memo });
    const wider = structuredClone(access) as { policy: { rules: unknown[] } } & VaultAccess;
    wider.policy.rules.push({ path: 'secret/data/titan/*', capabilities: ['read'], reason: 'x' });
    vault.answerLost = true;
    await assert.rejects(ensureAccess(vault, wider, { memo }));
    vault.answerLost = false;
    // The wider policy landed; the grant withdrawn again must be written, not taken as known.
    assert.equal(await ensureAccess(vault, access, { memo }), 1);
    assert.doesNotMatch(String(vault.paths.get(policyPath)?.['policy']), /titan\/\*/);
  });

  it('should write over a grant it only knows is there, without reading it', async () => {
    const foreign = 'path "secret/*" { capabilities = ["read"] }';
    await vault.write({ path: policyPath, body: { policy: foreign } });
    memo.remember(memoKey.policy(NAME), 'present');
    memo.remember(memoKey.role(NAME), 'present');
    assert.equal(await sent(() => ensureAccess(vault, access, { memo })), 2, 'two writes, no read');
    assert.notEqual(vault.paths.get(policyPath)?.['policy'], foreign);
  });

  it("should remember the NKey's version and public key, never its seed", async () => {
    const written = await writeNkey({ vault, platform, memo }, ref, 0);
    const known = memo.known(memoKey.nkey(ref));
    assert.deepEqual(known, { publicKey: written.publicKey, version: written.version });
    assert.ok(written.seed.startsWith('SU'), 'the seed goes to the creds this reconcile issues');
    assert.doesNotMatch(JSON.stringify(known), /"S[UAO][A-Z2-7]{40,}/);
    const observed = await sent(() => observeVault(vault, platform, ref, { versioned: [], memo }));
    assert.equal(observed, 0);
  });

  it('should forget the NKey when a stale write fails check-and-set, and read it again', async () => {
    await writeNkey({ vault, platform, memo }, ref, 0);
    await vault.kvWrite(nkeyPath(platform, ref), { seed: 'rotated elsewhere', publicKey: 'UX' });
    await assert.rejects(writeNkey({ vault, platform, memo }, ref, 1), /changed since it was read/);
    const seen = await observeVault(vault, platform, ref, { versioned: [], memo });
    assert.equal(seen.state === 'reachable' && seen.nkey?.version, 2);
  });

  it('should take the NKey of a service never reconciled as absent, and read it once a write finds one', async () => {
    // A crash after the seed was written and before status: Vault holds an NKey, status nothing.
    const left = await writeNkey({ vault, platform, memo: new VaultMemo() }, ref, 0);
    const observe = () => observeVault(vault, platform, ref, { versioned: [], memo });
    memo.assumeAbsent(memoKey.nkey(ref));
    assert.equal(await sent(observe), 0, 'nothing read');
    await assert.rejects(writeNkey({ vault, platform, memo }, ref, 0), /changed since it was read/);
    memo.assumeAbsent(memoKey.nkey(ref));
    const seen = await observe();
    assert.equal(
      seen.state === 'reachable' && seen.nkey?.publicKey,
      left.publicKey,
      'the retry reads',
    );
    memo.assumeAbsent(memoKey.nkey(ref));
    assert.equal(await sent(observe), 0, 'the read is remembered, not overridden');
    assert.equal(seen.state === 'reachable' && seen.nkey?.version, 1);
  });

  it('should put back an edited policy once a change of the service forgot its entries', async () => {
    await ensureAccess(vault, access, { memo });
    await vault.write({ path: policyPath, body: { policy: 'path "secret/*" {}' } });
    assert.equal(await ensureAccess(vault, access, { memo }), 0, 'between resyncs: not seen');
    memo.forget(...serviceKeys(ref, NAME));
    assert.equal(await ensureAccess(vault, access, { memo }), 1);
    assert.notEqual(vault.paths.get(policyPath)?.['policy'], 'path "secret/*" {}');
  });

  const raced: [string, string, string | undefined][] = [
    ['should not remember a read that Vault answered after its key was forgotten', 'k', undefined],
    ["should keep a read's answer when another key was forgotten meanwhile", 'other', 'answer'],
  ];
  for (const [name, forgotten, kept] of raced)
    it(name, async () => {
      let answer: (v: string | undefined) => void = () => {};
      const reading = memo.read('k', () => new Promise<string | undefined>((r) => (answer = r)));
      memo.forget(forgotten);
      answer('answer');
      assert.equal(await reading, 'answer');
      assert.equal(memo.known('k'), kept);
    });

  it("should write a new key's seed with its first JWT as one version, and issue the next JWT from the seed read back", async () => {
    const authority = new JwtAuthority(vault, platform.vault.kvMount, { create: true });
    const nkey = newUserNkey();
    const user = {
      account: 'titan',
      claims: { pub: { allow: ['a.>'] }, sub: { deny: ['>'] } },
      revokedBefore: undefined,
    };
    const signer = { vault, authority, platform, memo };
    const path = nkeyPath(platform, ref);
    const seedReads = () => vault.kvReads.filter((p) => p === path).length;
    const first = await issueUserJwt(signer, ref, { cas: 0 }, { ...user, nkey });
    assert.equal(seedReads(), 0, 'the seed it just made is not read back');
    const fresh = (await vault.kvRead(path))?.data;
    assert.equal(first.version, 1, 'the seed and its first JWT are one version');
    assert.ok(fresh?.['jwt'] && fresh['creds'], 'the creds live in the seed entry');
    await issueUserJwt(signer, ref, { cas: 1 }, user);
    assert.equal(seedReads(), 2, 'the seed is read back for the next JWT');
    const readBack = (await vault.kvRead(path))?.data;
    assert.equal(fresh?.['publicKey'], nkey.publicKey);
    assert.equal(readBack?.['publicKey'], nkey.publicKey);
    const seedOf = (creds = '') => /-----BEGIN USER NKEY SEED-----\n(\S+)/.exec(creds)?.[1];
    assert.equal(seedOf(fresh?.['creds']), nkey.seed);
    assert.equal(seedOf(readBack?.['creds']), nkey.seed);
    assert.equal(readBack?.[NATS_SEED.field], nkey.seed, 'the seed stays in the entry');
    const known = memo.known(memoKey.creds(ref)) as { version: number; publicKey: string };
    assert.deepEqual([known.version, known.publicKey], [2, nkey.publicKey]);
    assert.deepEqual(memo.known(memoKey.nkey(ref)), { version: 2, publicKey: nkey.publicKey });
    assert.doesNotMatch(
      JSON.stringify([known, memo.known(memoKey.nkey(ref))]),
      /\bSU[A-Z2-7]{50,}/,
    );
  });

  it('should read the entry once for the NKey and the creds, with nats.auth jwt', async () => {
    const jwtPlatform = { ...platform, nats: { ...platform.nats, auth: 'jwt' as const } };
    const authority = new JwtAuthority(vault, platform.vault.kvMount, { create: true });
    const signer = { vault, authority, platform: jwtPlatform, memo };
    const claims = { pub: { allow: ['a.>'] }, sub: { deny: ['>'] } };
    const nkey = newUserNkey();
    await issueUserJwt(
      signer,
      ref,
      { cas: 0 },
      { account: 'titan', claims, revokedBefore: undefined, nkey },
    );
    memo.clear();
    const path = nkeyPath(platform, ref);
    const before = vault.kvReads.filter((p) => p === path).length;
    const seen = await observeVault(vault, jwtPlatform, ref, { versioned: [], memo });
    assert.equal(seen.state === 'reachable' && seen.nkey?.publicKey, nkey.publicKey);
    const creds = memo.known(memoKey.creds(ref)) as { version: number; publicKey: string };
    assert.deepEqual([creds.version, creds.publicKey], [1, nkey.publicKey]);
    assert.equal(vault.kvReads.filter((p) => p === path).length - before, 1);
  });

  it("should keep a rotation's previous key beside the creds, for a deleted service's account to revoke", async () => {
    const authority = new JwtAuthority(vault, platform.vault.kvMount, { create: true });
    const signer = { vault, authority, platform, memo };
    const claims = { pub: { allow: ['a.>'] }, sub: { deny: ['>'] } };
    const user = { account: 'titan', claims, revokedBefore: undefined };
    assert.deepEqual(await retirableKeys(vault, platform, ref), { creds: undefined, keys: [] });
    const [first, second] = [newUserNkey(), newUserNkey()];
    await issueUserJwt(signer, ref, { cas: 0 }, { ...user, nkey: first });
    await issueUserJwt(
      signer,
      ref,
      { cas: 1 },
      { ...user, nkey: second, previous: first.publicKey },
    );
    const during = await retirableKeys(vault, platform, ref);
    assert.deepEqual(during.keys, [second.publicKey, first.publicKey]);
    assert.equal(during.creds?.publicKey, second.publicKey);
  });

  it("should remember a removed service's state as absent", async () => {
    await ensureAccess(vault, access, { memo });
    await writeNkey({ vault, platform, memo }, ref, 0);
    await removeAccess({ vault, platform, memo }, ref);
    for (const key of [
      memoKey.policy(NAME),
      memoKey.role(NAME),
      memoKey.nkey(ref),
      memoKey.creds(ref),
    ])
      assert.equal(memo.known(key), ABSENT, key);
    assert.equal(vault.kv.get(nkeyPath(platform, ref)), undefined);
  });
});
