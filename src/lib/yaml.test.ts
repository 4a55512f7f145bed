import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parse, parseAllDocuments } from 'yaml';
import { toYaml, toYamlStream } from './yaml.ts';
import type { Json } from './json.ts';

const key = fc.string().filter((k) => k !== '__proto__');
const jsonValue: fc.Arbitrary<Json> = fc.letrec<{ value: Json }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'binary' }),
    fc.constantFrom('yes', 'no', 'null', '~', '0400', '1e3', '- a', 'a: b', 'x #y', 'a\nb\n', ''),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

describe('toYaml', () => {
  it('writes apiVersion, kind and metadata first, then sorted keys', () => {
    const text = toYaml({
      spec: { b: 1, a: 2 },
      metadata: { labels: {}, name: 'x' },
      kind: 'K',
      apiVersion: 'v1',
    });
    assert.equal(
      text,
      'apiVersion: v1\nkind: K\nmetadata:\n  name: x\n  labels: {}\nspec:\n  a: 2\n  b: 1\n',
    );
  });

  it('quotes strings that a YAML reader would take for something else', () => {
    const text = toYaml({
      a: 'yes',
      b: '0400',
      c: 'true',
      d: '',
      e: 'k8s:io.x',
      f: 'plain-text/ok',
    });
    assert.equal(text, 'a: "yes"\nb: "0400"\nc: "true"\nd: ""\ne: "k8s:io.x"\nf: plain-text/ok\n');
  });

  it('writes multi-line text as a literal block', () => {
    assert.equal(toYaml({ conf: 'a {\n  b: 1\n}\n' }), 'conf: |\n  a {\n    b: 1\n  }\n');
    assert.equal(toYaml({ conf: 'x\n\ny' }), 'conf: |-\n  x\n\n  y\n');
  });

  it('writes sequences of mappings with the dash on the first key', () => {
    assert.equal(
      toYaml({ l: [{ a: 1, b: [2] }, 'x', []] }),
      'l:\n- a: 1\n  b:\n  - 2\n- x\n- []\n',
    );
  });

  it('reads back as the same data for any JSON value (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(key, jsonValue, { noNullPrototype: true }), (value) => {
        assert.deepEqual(parse(toYaml(value)) ?? {}, value);
      }),
      { numRuns: 500 },
    );
  });

  it('writes a stream that parses as one document per manifest', () => {
    const docs = parseAllDocuments(toYamlStream([{ a: 1 }, { b: 2 }]));
    assert.deepEqual(
      docs.map((d) => d.toJSON() as unknown),
      [{ a: 1 }, { b: 2 }],
    );
  });
});
