import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REVOKED_FOREVER } from '../../render/nats/jwt.ts';
import {
  decideUserJwt,
  jwtRetirements,
  revocationFor,
  type JwtRetirement,
  type UserJwtObservation,
} from './user-jwt.ts';

const claims = { pub: { allow: ['titan.quote.>'] }, sub: { allow: ['titan.cmd.>'] } };
const seen = (over: Partial<UserJwtObservation> = {}): UserJwtObservation => ({
  version: 3,
  publicKey: 'UKEY',
  account: 'AKEY',
  claims,
  iat: 1000,
  ...over,
});

describe('decideUserJwt', () => {
  const cases: [string, UserJwtObservation | undefined, string | undefined, object][] = [
    ['issues the first JWT as version 1 when Vault holds none', undefined, 'UKEY', { cas: 0 }],
    [
      'issues the first JWT beside a seed written in the same reconcile',
      undefined,
      undefined,
      { cas: 0 },
    ],
    ['keeps a JWT whose key, account and permissions are current', seen(), 'UKEY', {}],
    [
      'issues a new JWT when the permissions changed, replacing the old one',
      seen({ claims: { pub: { allow: ['titan.other.>'] }, sub: { allow: ['titan.cmd.>'] } } }),
      'UKEY',
      { cas: 3, replaces: { publicKey: 'UKEY', iat: 1000 } },
    ],
    [
      'issues a new JWT when the key changed (an NKey rotation)',
      seen({ publicKey: 'UOLD' }),
      'UKEY',
      { cas: 3, replaces: { publicKey: 'UOLD', iat: 1000 } },
    ],
    [
      'issues a new JWT when it names another account',
      seen({ account: 'AOTHER' }),
      'UKEY',
      { cas: 3, replaces: { publicKey: 'UKEY', iat: 1000 } },
    ],
    [
      'issues a new JWT when its account revoked the current one (NATS declared again)',
      seen({ retired: true }),
      'UKEY',
      { cas: 3, replaces: { publicKey: 'UKEY', iat: 1000 } },
    ],
  ];
  for (const [name, observed, key, write] of cases)
    it(name, () => {
      const decision = decideUserJwt(observed, { publicKey: key, account: 'AKEY', claims });
      if (Object.keys(write).length === 0) {
        assert.equal(decision.write, undefined);
        assert.equal(decision.pin, observed?.version);
      } else {
        assert.deepEqual(decision.write, write);
        assert.equal(decision.pin, (observed?.version ?? 0) + 1);
      }
    });

  it("issues the first JWT as the version after a seed alone in the entry (it shares the seed's)", () => {
    const decision = decideUserJwt(undefined, { publicKey: 'UKEY', account: 'AKEY', claims }, 2);
    assert.deepEqual([decision.write, decision.pin], [{ cas: 2 }, 3]);
  });
  it('keeps the revocation the newest creds state while nothing is issued', () => {
    assert.equal(
      decideUserJwt(seen({ revokedBefore: 999 }), { publicKey: 'UKEY', account: 'AKEY', claims })
        .revokedBefore,
      999,
    );
  });
});

describe('revocationFor', () => {
  it('revokes every older JWT of the same key: those issued up to a second before the new one', () => {
    assert.equal(revocationFor({ publicKey: 'UKEY', iat: 1000 }, 'UKEY', 1005, undefined), 1004);
  });
  it('never moves a revocation back in time', () => {
    assert.equal(revocationFor({ publicKey: 'UKEY', iat: 1000 }, 'UKEY', 1005, 2000), 2000);
  });
  it('leaves the revocation as it was for a first JWT or another key', () => {
    assert.equal(revocationFor(undefined, 'UKEY', 1005, 7), 7);
    assert.equal(revocationFor({ publicKey: 'UOLD', iat: 1 }, 'UKEY', 1005, undefined), undefined);
  });
});

describe('jwtRetirements', () => {
  const titan = seen({ accountName: 'TITAN' });
  const cases: [
    string,
    UserJwtObservation | undefined,
    string | undefined,
    { was?: string; now?: string },
    JwtRetirement[],
  ][] = [
    ['retires nothing while the JWT it pins is the one Vault holds', titan, 'TITAN', {}, []],
    [
      'retires the JWT in its account, up to its issue time, when NATS was removed',
      titan,
      undefined,
      {},
      [{ account: 'TITAN', publicKey: 'UKEY', at: 1000 }],
    ],
    [
      'retires the JWT in the account the service moved away from',
      titan,
      'RISK',
      {},
      [{ account: 'TITAN', publicKey: 'UKEY', at: 1000 }],
    ],
    [
      'retires nothing the account already revoked',
      seen({ accountName: 'TITAN', retired: true }),
      undefined,
      {},
      [],
    ],
    [
      'retires nothing for creds that do not name their account (it cannot know where)',
      seen(),
      undefined,
      {},
      [],
    ],
    ['retires nothing without creds in Vault', undefined, undefined, {}, []],
    [
      'retires the key an NKey rotation let go of, for good',
      titan,
      'TITAN',
      { was: 'UOLD' },
      [{ account: 'TITAN', publicKey: 'UOLD', at: REVOKED_FOREVER }],
    ],
    [
      'keeps the previous key while the rotation holds it',
      titan,
      'TITAN',
      { was: 'UOLD', now: 'UOLD' },
      [],
    ],
  ];
  for (const [name, observed, pinned, previous, want] of cases)
    it(name, () => {
      assert.deepEqual(jwtRetirements(observed, pinned, previous), want);
    });
});
