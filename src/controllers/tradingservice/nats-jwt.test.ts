import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REVOKED_FOREVER, type AccountClaims } from '../../render/nats/jwt.ts';
import { defaultPlatform } from '../../api/platform/settings.ts';
import type { TradingService } from '../../api/tradingservice/schema.ts';
import { accountsHold, jwtAccounts } from './nats-jwt.ts';

const platform = defaultPlatform();
const svc = (namespace: string, name: string, account?: string) =>
  ({
    metadata: { namespace, name },
    spec: { nats: { publish: [], subscribe: [], ...(account && { account }) } },
  }) as unknown as TradingService;

const services = [svc('titan', 'quote'), svc('titan', 'trader'), svc('risk', 'gate', 'RISK')];
const nkeys = new Map([
  ['titan/quote', 'UQUOTE'],
  ['titan/trader', 'UTRADER'],
  ['risk/gate', 'UGATE'],
]);
const loaded = (retired: Record<string, Record<string, number>>) => (name: string) => retired[name];

describe('jwtAccounts', () => {
  it('revokes nothing for services whose JWT is their first', () => {
    const accounts = jwtAccounts(
      platform,
      { services, nkeys, extras: {} },
      loaded({ TITAN: {}, RISK: {} }),
    );
    assert.deepEqual(accounts, [
      { name: 'TITAN', revocations: {} },
      { name: 'RISK', revocations: {} },
    ]);
  });

  it("revokes a service's older JWTs once its permissions changed", () => {
    const [titan] = jwtAccounts(
      platform,
      { services, nkeys, extras: { revokedBefore: new Map([['titan/quote', 1234]]) } },
      loaded({ TITAN: {} }),
    );
    assert.deepEqual(titan?.revocations, { UQUOTE: 1234 });
  });

  it('revokes every JWT of every user of an isolated namespace, and only there', () => {
    const accounts = jwtAccounts(
      platform,
      {
        services,
        nkeys,
        extras: { isolated: new Set(['titan']), revokedBefore: new Map([['titan/quote', 5]]) },
      },
      loaded({ TITAN: {}, RISK: {} }),
    );
    assert.deepEqual(accounts[0]?.revocations, {
      UQUOTE: REVOKED_FOREVER,
      UTRADER: REVOKED_FOREVER,
    });
    assert.deepEqual(accounts[1]?.revocations, {});
  });

  it('keeps the users an account retired for good (deleted services)', () => {
    const [titan] = jwtAccounts(
      platform,
      { services: [], nkeys: new Map(), extras: {} },
      loaded({ TITAN: { UGONE: REVOKED_FOREVER } }),
    );
    assert.deepEqual(titan?.revocations, { UGONE: REVOKED_FOREVER });
  });

  it('renders no account whose keys are not loaded: its retired users are not known yet', () => {
    const accounts = jwtAccounts(platform, { services, nkeys, extras: {} }, loaded({ TITAN: {} }));
    assert.deepEqual(
      accounts.map((a) => a.name),
      ['TITAN'],
    );
  });

  it('never renders the system account for a service that names it', () => {
    const intruder = svc('titan', 'intruder', platform.nats.systemAccount);
    const accounts = jwtAccounts(
      platform,
      { services: [intruder], nkeys: new Map([['titan/intruder', 'UINTRUDER']]), extras: {} },
      loaded({ TITAN: {}, SYS: {} }),
    );
    assert.deepEqual(
      accounts.map((a) => a.name),
      ['TITAN'],
    );
  });
});

describe('accountsHold: whether the accounts nats-server runs already serve a service', () => {
  const running: AccountClaims[] = [
    { name: 'TITAN', revocations: { UOLD: 1200, UGONE: REVOKED_FOREVER } },
    { name: 'RISK', revocations: {} },
  ];
  const cases: [string, string, Parameters<typeof accountsHold>[2], boolean][] = [
    ['a new user of an account nats-server runs needs nothing', 'RISK', { natsUser: 'UNEW' }, true],
    ['a user of an account not pushed yet waits for it', 'OTHER', { natsUser: 'UNEW' }, false],
    ['no user, nothing to hold', 'RISK', {}, false],
    [
      'older JWTs revoked as the state says are held',
      'TITAN',
      { natsUser: 'UOLD', revokedBefore: 1200 },
      true,
    ],
    [
      'a newer revocation than the running one waits',
      'TITAN',
      { natsUser: 'UOLD', revokedBefore: 1300 },
      false,
    ],
    [
      'a revocation the state does not bring waits (a retired key)',
      'TITAN',
      { natsUser: 'UGONE' },
      false,
    ],
    [
      'a rotation whose previous key is not revoked is held',
      'RISK',
      { natsUser: 'UNEW', previousNatsUser: 'UPREV' },
      true,
    ],
    [
      'a rotation whose previous key is revoked waits',
      'TITAN',
      { natsUser: 'UNEW', previousNatsUser: 'UGONE' },
      false,
    ],
  ];
  for (const [sentence, account, users, expected] of cases)
    it(sentence, () => assert.equal(accountsHold(running, account, users), expected));
});
