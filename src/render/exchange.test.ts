import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { missingEgressIps } from './exchange.ts';
import { platformSchema } from '../api/platform/settings.ts';

const platform = platformSchema.parse({ egressGateway: { ips: ['203.0.113.10', '2001:db8::7'] } });

describe('missingEgressIps', () => {
  const cases: [string, string[], string[]][] = [
    [
      'should find nothing missing when ranges hold every egress IP',
      ['203.0.113.0/24', '2001:db8::/64'],
      [],
    ],
    ['should name the egress IP a whitelist lacks', ['203.0.113.10/32'], ['2001:db8::7']],
    [
      'should name every egress IP when the whitelist is elsewhere',
      ['198.51.100.0/24'],
      ['203.0.113.10', '2001:db8::7'],
    ],
  ];
  for (const [name, whitelist, missing] of cases) {
    it(name, () =>
      assert.deepEqual(missingEgressIps({ ipWhitelist: whitelist }, platform), missing),
    );
  }
});
