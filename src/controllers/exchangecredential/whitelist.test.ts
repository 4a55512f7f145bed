import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { uncovered } from './whitelist.ts';

describe('which bound IPs a whitelist does not hold', () => {
  const cases: [string, string[], string[], string[]][] = [
    ['should hold an address inside a declared range', ['203.0.113.0/24'], ['203.0.113.10'], []],
    ['should hold a narrower range inside a wider one', ['203.0.113.0/24'], ['203.0.113.8/29'], []],
    [
      'should not hold a wider range inside a narrower one',
      ['203.0.113.10/32'],
      ['203.0.113.0/24'],
      ['203.0.113.0/24'],
    ],
    [
      'should not hold an IPv6 address in an IPv4 range',
      ['203.0.113.0/24'],
      ['2001:db8::1'],
      ['2001:db8::1'],
    ],
    ['should hold an IPv6 address in its range', ['2001:db8::/64'], ['2001:db8::1'], []],
    [
      'should never hold something that is not an address',
      ['0.0.0.0/1', '128.0.0.0/1'],
      ['*', 'example.com'],
      ['*', 'example.com'],
    ],
  ];
  for (const [name, ranges, entries, want] of cases)
    it(name, () => assert.deepEqual(uncovered(ranges, entries), want));
});
