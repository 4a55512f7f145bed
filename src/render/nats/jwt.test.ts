import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { accountsText, parseAccountsText, sameUserClaims, userClaims } from './jwt.ts';

const user = (publish: string[], subscribe: string[], allowResponses?: unknown) =>
  ({
    id: 'titan/quote',
    nkey: 'U',
    permissions: { publish, subscribe, ...(allowResponses !== undefined && { allowResponses }) },
  }) as Parameters<typeof userClaims>[0];

describe('userClaims', () => {
  it('allows exactly the declared subjects, without duplicates', () => {
    assert.deepEqual(userClaims(user(['a.>', 'a.>'], ['b'])), {
      pub: { allow: ['a.>'] },
      sub: { allow: ['b'] },
    });
  });
  it('denies everything in a direction with no subject (an empty allow list means anything)', () => {
    assert.deepEqual(userClaims(user([], [])).pub, { deny: ['>'] });
  });
  it('turns allow_responses into one reply, or its max and expiry in nanoseconds', () => {
    assert.deepEqual(userClaims(user([], ['x'], true)).resp, { max: 1, ttl: 0 });
    assert.deepEqual(userClaims(user([], ['x'], { max: 3, expires: '5s' })).resp, {
      max: 3,
      ttl: 5e9,
    });
  });
});

describe('sameUserClaims', () => {
  it('holds a JWT equal to what the service declares, whatever else the JWT carries', () => {
    const want = userClaims(user(['a'], ['b']));
    assert.ok(sameUserClaims({ ...want, resp: { max: 0, ttl: 0 } }, want));
  });
  it('tells a changed subject, direction or reply limit apart', () => {
    const want = userClaims(user(['a'], ['b'], true));
    assert.ok(!sameUserClaims(userClaims(user(['a', 'c'], ['b'], true)), want));
    assert.ok(!sameUserClaims(userClaims(user(['b'], ['a'], true)), want));
    assert.ok(!sameUserClaims(userClaims(user(['a'], ['b'])), want));
  });
});

describe('accountsText', () => {
  it('is the same text for the same claims in any order (the publisher compares texts)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[A-Z]{1,6}$/), key: fc.nat() }), {
          selector: (a) => a.name,
        }),
        (accounts) => {
          const claims = accounts.map((a) => ({
            name: a.name,
            revocations: { [`U${a.key}`]: a.key },
          }));
          const text = accountsText(claims);
          assert.equal(accountsText([...claims].reverse()), text);
          assert.deepEqual(
            parseAccountsText(text).map((a) => a.name),
            claims.map((a) => a.name).sort((x, y) => x.localeCompare(y)),
          );
        },
      ),
    );
  });
});
