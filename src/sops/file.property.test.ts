import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { newIdentity, recipientOf } from './age.ts';
import { sealText, unsealText } from './file.ts';

const identity = newIdentity();
const options = { recipients: [recipientOf(identity)], rule: {}, now: new Date(0) };

const scalar = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const key = fc.string({ minLength: 1 }).filter((k) => k !== 'sops');
const values = fc.dictionary(
  key,
  fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(key, scalar, { maxKeys: 3 })),
  { minKeys: 1, maxKeys: 6 },
);

describe('seal and unseal on generated values files', () => {
  it('unseal(seal(x)) reads as x for strings, integers, booleans, nulls, lists and maps', () => {
    fc.assert(
      fc.property(values, (plain) => {
        const text = stringify(plain);
        const sealed = sealText(text, options);
        assert.deepEqual(parse(unsealText(sealed, [identity])), parse(text));
      }),
      { numRuns: 60 },
    );
  });
});
