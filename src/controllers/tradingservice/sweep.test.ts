import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { platformSchema } from '../../api/platform/settings.ts';
import { FakeVault } from '../../vault/fake.ts';
import { VaultRequestError } from '../../vault/errors.ts';
import { orphanKeys, serviceOfRole, sweepVault } from './sweep.ts';

const platform = platformSchema.parse({});
const role = (namespace: string, account: string) => ({
  bound_service_account_names: [account],
  bound_service_account_namespaces: [namespace],
});

describe('the Vault sweep', () => {
  const roles: [string, string, Record<string, unknown>, string | undefined][] = [
    [
      'takes a role bound to the service it is named for',
      'posture-titan-brain',
      role('titan', 'brain'),
      'titan/brain',
    ],
    [
      'takes a service whose name has dashes',
      'posture-titan-risk-eu',
      role('titan', 'risk-eu'),
      'titan/risk-eu',
    ],
    [
      'leaves a role bound to another ServiceAccount than its name says',
      'posture-titan-brain',
      role('titan', 'other'),
      undefined,
    ],
    [
      'leaves a role of another namespace than its name says',
      'posture-titan-brain',
      role('risk', 'brain'),
      undefined,
    ],
    [
      "leaves the operator's own role",
      'posture-operator',
      role('posture-system', 'posture-operator'),
      undefined,
    ],
    ['leaves a role bound to no ServiceAccount', 'posture-titan-brain', {}, undefined],
  ];
  for (const [name, roleName, body, expected] of roles) {
    it(`should ${name}`, () => {
      const ref = serviceOfRole(roleName, body);
      assert.equal(ref && `${ref.namespace}/${ref.name}`, expected);
    });
  }

  it('should queue each key the cache lacks once, in order', () => {
    const refs = [
      { namespace: 'titan', name: 'gone' },
      { namespace: 'titan', name: 'brain' },
      { namespace: 'risk', name: 'gone' },
      { namespace: 'titan', name: 'gone' },
    ];
    assert.deepEqual(
      orphanKeys(refs, (key) => key === 'titan/brain'),
      ['risk/gone', 'titan/gone'],
    );
  });

  it('should find NKeys, creds and roles no cached service explains, within its scope', async () => {
    const vault = new FakeVault();
    const kv = (ref: string) => `${platform.vault.kvMount}/posture/nats/${ref}`;
    await vault.kvWrite(kv('titan/live'), { publicKey: 'U1' });
    await vault.kvWrite(kv('titan/gone'), { publicKey: 'U2' });
    await vault.kvWrite(kv('titan/gone/jwt'), { jwt: 'j' });
    await vault.kvWrite(kv('risk/other'), { publicKey: 'U3' });
    // The NATS operator and account keys (ADR 0060) share the folder: never a service's.
    await vault.kvWrite(kv('_jwt/operator'), { seed: 'S' });
    await vault.kvWrite(kv('_jwt/account-TITAN'), { seed: 'S' });
    await vault.kvWrite(kv('titan/_odd'), { seed: 'S' });
    const auth = `auth/${platform.vault.authMount}/role`;
    await vault.write({ path: `${auth}/posture-titan-live`, body: role('titan', 'live') });
    await vault.write({ path: `${auth}/posture-titan-nonats`, body: role('titan', 'nonats') });
    await vault.write({
      path: `${auth}/posture-operator`,
      body: role('posture-system', 'posture-operator'),
    });
    const cached = new Set(['titan/live']);
    assert.deepEqual(await sweepVault(vault, platform, cached), [
      'risk/other',
      'titan/gone',
      'titan/nonats',
    ]);
    assert.deepEqual(await sweepVault(vault, platform, cached, { namespace: 'titan' }), [
      'titan/gone',
      'titan/nonats',
    ]);
    assert.deepEqual(await sweepVault(new FakeVault(), platform, cached), []);
    // Its own role is never read (its policy denies it), even when it looks like a service's.
    await vault.write({ path: `${auth}/posture-ops-op`, body: role('ops', 'op') });
    const own = await sweepVault(vault, platform, cached, {
      namespace: 'ops',
      ownRole: 'posture-ops-op',
    });
    assert.deepEqual(own, []);
    // A role it may not read (its own, under a name it was not told) is skipped, not a failure.
    const refusing = new FakeVault();
    await refusing.write({ path: `${auth}/posture-ops-op`, body: role('ops', 'op') });
    refusing.read = () =>
      Promise.reject(new VaultRequestError('GET role', 403, 'permission denied'));
    assert.deepEqual(await sweepVault(refusing, platform, cached), []);
  });
});
