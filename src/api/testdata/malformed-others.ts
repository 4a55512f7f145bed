import { DUPLICATE, MATCH, OPEN, set, TYPE, type MalformedCase } from './row.ts';
import { validExchangeCredential, validHmacKeyRing } from './valid.ts';

const hkr = validHmacKeyRing();
const xc = validExchangeCredential();

export const HMAC_KEY_RING_ROWS: readonly MalformedCase[] = [
  set('a key ring without Vault path', hkr, [['spec', 'vaultPath'], undefined], 'Required value'),
  set(
    'a grace period as long as the rotation period',
    hkr,
    [['spec', 'gracePeriod'], '720h'],
    'gracePeriod must be shorter',
  ),
  set('a rotation period in days', hkr, [['spec', 'rotationPeriod'], '30d'], MATCH),
  set(
    'a rotation period under an hour',
    hkr,
    [['spec', 'rotationPeriod'], '10m'],
    'must be at least 1h',
  ),
  set('a duration with units out of order', hkr, [['spec', 'gracePeriod'], '30m1h'], MATCH),
  set(
    'an unsupported HMAC algorithm',
    hkr,
    [['spec', 'algorithm'], 'md5'],
    'Unsupported value: "md5"',
  ),
  set('a signer name with uppercase letters', hkr, [['spec', 'signers', 0], 'Brain'], MATCH),
  set(
    'a listener listed twice',
    hkr,
    [
      ['spec', 'listeners'],
      ['execution', 'execution'],
    ],
    DUPLICATE,
  ),
  set(
    'a Vault path with a leading slash',
    hkr,
    [['spec', 'vaultPath'], '/secret/titan/hmac'],
    MATCH,
  ),
];

export const EXCHANGE_CREDENTIAL_ROWS: readonly MalformedCase[] = [
  set(
    'a key that may withdraw',
    xc,
    [['spec', 'permissions', 'withdraw'], true],
    'withdraw must be false',
  ),
  set('withdraw written as a string', xc, [['spec', 'permissions', 'withdraw'], 'false'], TYPE),
  set('an IP whitelist open to all IPv4', xc, [['spec', 'ipWhitelist'], ['0.0.0.0/0']], {
    apiserver: OPEN,
    path: 'spec.ipWhitelist[0]',
  }),
  set('an IP whitelist open to all IPv6', xc, [['spec', 'ipWhitelist'], ['::/0']], {
    apiserver: OPEN,
    path: 'spec.ipWhitelist[0]',
  }),
  set('an empty IP whitelist', xc, [['spec', 'ipWhitelist'], []], 'should have at least 1 items'),
  set('a missing IP whitelist', xc, [['spec', 'ipWhitelist'], undefined], 'Required value'),
  set('a whitelist entry that is not a CIDR', xc, [['spec', 'ipWhitelist'], ['not-a-cidr']], {
    apiserver: 'invalid CIDR',
    path: 'spec.ipWhitelist[0]',
  }),
  set('an unknown exchange', xc, [['spec', 'exchange'], 'ftx'], 'Unsupported value: "ftx"'),
  set('a custom exchange without API hosts', xc, [['spec', 'exchange'], 'custom'], {
    apiserver: 'apiHosts is required',
    path: 'spec.apiHosts',
  }),
  set('API hosts for a known exchange', xc, [['spec', 'apiHosts'], ['api.binance.com']], {
    apiserver: 'apiHosts is required',
    path: 'spec.apiHosts',
  }),
  set('a maximum key age under a day', xc, [['spec', 'maxKeyAge'], '1h'], 'must be at least 24h'),
  set('consumers written as a string', xc, [['spec', 'consumers'], 'execution'], TYPE),
  set(
    'an unknown permission',
    xc,
    [['spec', 'permissions', 'transfer'], true],
    'unknown field "spec.permissions.transfer"',
  ),
  set(
    'a wrong API version',
    xc,
    [['apiVersion'], 'posture.dev/v1beta1'],
    /no matches for kind|v1beta1/,
  ),
];
