import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  exchangeCredentialArb,
  hmacKeyRingArb,
  tradingServiceArb,
} from './testdata/arbitraries.ts';
import { validateObject } from './validate/validate.ts';
import { KIND_BY_NAME } from './index.ts';
import type { JsonObject } from './testdata/valid.ts';

const ARBITRARIES = {
  TradingService: tradingServiceArb('titan'),
  HmacKeyRing: hmacKeyRingArb('titan'),
  ExchangeCredential: exchangeCredentialArb('titan'),
};

describe('schemas on generated valid objects', () => {
  for (const [kind, arb] of Object.entries(ARBITRARIES)) {
    it(`should accept every generated ${kind}`, () => {
      fc.assert(
        fc.property(arb, (object) => {
          const verdict = validateObject(object);
          assert.equal(verdict.status, 'valid', JSON.stringify(verdict));
        }),
        { numRuns: 300 },
      );
    });

    it(`should give the same ${kind} when its defaulted form is parsed again (defaults are stable)`, () => {
      const schema = KIND_BY_NAME[kind as keyof typeof KIND_BY_NAME].schema;
      fc.assert(
        fc.property(arb, (object: JsonObject) => {
          const once = schema.parse(object);
          assert.deepEqual(schema.parse(once), once);
        }),
        { numRuns: 100 },
      );
    });
  }
});
