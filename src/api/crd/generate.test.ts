import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { staleCrdFiles } from '../../cli/crds.ts';
import { KINDS, posturePlatformKind } from '../index.ts';
import { PLATFORM_DESCRIPTIONS } from '../platform/descriptions.ts';
import { CRD_DIR, crdFiles, crdOf } from './generate.ts';
import { convert, type Schema } from './structural.ts';

type Node = { [key: string]: unknown };

function walk(node: unknown, path: string, visit: (node: Node, path: string) => void): void {
  if (typeof node !== 'object' || node === null) return;
  const n = node as Node;
  visit(n, path);
  for (const [key, child] of Object.entries((n['properties'] ?? {}) as Node))
    walk(child, `${path}.${key}`, visit);
  if (n['items']) walk(n['items'], `${path}[]`, visit);
  if (typeof n['additionalProperties'] === 'object')
    walk(n['additionalProperties'], `${path}{}`, visit);
}

function openApi(kindIndex: number): Node {
  const crd = crdOf(KINDS[kindIndex]!) as unknown as {
    spec: { versions: { schema: { openAPIV3Schema: Node } }[] };
  };
  return crd.spec.versions[0]!.schema.openAPIV3Schema;
}

describe('generated CRDs', () => {
  it('match the committed files in charts/posture/crds', () => {
    const stale = staleCrdFiles(CRD_DIR);
    assert.deepEqual(
      stale,
      [],
      `CRDs drifted from the zod schemas: run \`npm run crds\` and commit ${stale.join(', ')}`,
    );
  });

  it('are the same bytes on every run', () => {
    assert.deepEqual([...crdFiles()], [...crdFiles()]);
  });

  for (const [i, kind] of KINDS.entries()) {
    describe(kind.kind, () => {
      it('has a structural schema: one type per node, no refs, unions or additionalProperties: false', () => {
        walk(openApi(i), kind.kind, (node, path) => {
          assert.equal(typeof node['type'], 'string', `${path} has no type`);
          for (const key of ['anyOf', 'oneOf', 'allOf', '$ref', 'const', 'propertyNames']) {
            assert.ok(!(key in node), `${path} has ${key}`);
          }
          assert.notEqual(
            node['additionalProperties'],
            false,
            `${path} sets additionalProperties: false`,
          );
        });
      });

      it('describes every field of spec', () => {
        const spec = (openApi(i)['properties'] as Node)['spec'];
        walk(spec, 'spec', (node, path) =>
          assert.ok(node['description'], `${path} has no description`),
        );
      });

      it('bounds every list and string that a CEL rule iterates', () => {
        walk(openApi(i)['properties'], kind.kind, (node, path) => {
          if (node['type'] === 'array')
            assert.ok(typeof node['maxItems'] === 'number', `${path} has no maxItems`);
          if (typeof node['additionalProperties'] === 'object')
            assert.ok(typeof node['maxProperties'] === 'number', `${path} has no maxProperties`);
        });
      });

      it('has the status subresource, printer columns, short names and the posture category', () => {
        const crd = crdOf(kind) as unknown as {
          spec: { names: { categories: string[]; shortNames: string[] }; versions: Node[] };
        };
        assert.deepEqual(crd.spec.names.categories, ['posture']);
        assert.ok(crd.spec.names.shortNames.length > 0);
        assert.deepEqual(crd.spec.versions[0]!['subresources'], { status: {} });
        const columns = crd.spec.versions[0]!['additionalPrinterColumns'] as { name: string }[];
        // PosturePlatform's status is reserved: nobody writes a Ready condition for it yet.
        if (kind.kind !== 'PosturePlatform') assert.ok(columns.some((c) => c.name === 'Ready'));
      });
    });
  }
});

describe('PosturePlatform field descriptions', () => {
  it('name only fields the settings schema has, so a renamed field cannot keep a stale text', () => {
    const spec = (openApi(KINDS.indexOf(posturePlatformKind))['properties'] as Node)['spec'];
    const paths = new Set<string>();
    walk(spec, '', (_node, path) => paths.add(path.replace(/^\./, '')));
    const stale = Object.keys(PLATFORM_DESCRIPTIONS).filter((p) => !paths.has(p));
    assert.deepEqual(stale, []);
  });
});

describe('structural conversion', () => {
  it('should turn const into a one-value enum and numeric exclusive bounds into booleans', () => {
    const out = convert(
      { type: 'integer', exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      'x',
    );
    assert.deepEqual(out, { type: 'integer', minimum: 0, exclusiveMinimum: true });
    assert.deepEqual(convert({ type: 'string', const: 'v1' }, 'x'), {
      type: 'string',
      enum: ['v1'],
    });
  });

  it('should refuse a union, which a structural schema cannot express', () => {
    const union: Schema = { anyOf: [{ type: 'string' }, { type: 'boolean' }] };
    assert.throws(
      () => convert({ type: 'object', properties: { a: union } }, 'root'),
      /root\.a: anyOf/,
    );
  });
});
