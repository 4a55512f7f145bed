import type { OpenApi } from './openapi.ts';

/**
 * The smallest body a schema accepts: required properties only, `null` where allowed, the
 * schema's own example or enum value for strings. The fake builds GitHub's large objects (a pull
 * request embeds two repositories) from these and then sets the fields that matter.
 */

type Schema = { [key: string]: unknown };

function first(types: unknown): string | undefined {
  if (Array.isArray(types)) return types.includes('null') ? 'null' : (types[0] as string);
  return types as string | undefined;
}

function scalar(schema: Schema, type: string | undefined): unknown {
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  if (type === 'null') return null;
  if (type === 'boolean') return false;
  if (type === 'integer' || type === 'number') {
    return typeof schema['example'] === 'number' ? schema['example'] : 1;
  }
  if (type === 'array') return [];
  const example = typeof schema['example'] === 'string' ? schema['example'] : 'x';
  const min = typeof schema['minLength'] === 'number' ? schema['minLength'] : 0;
  return example.padEnd(min, '0');
}

/** `$ref`, `anyOf`/`oneOf` (the first choice) and `allOf` (merged); undefined for others. */
function combined(api: OpenApi, schema: Schema, depth: number): { value: unknown } | undefined {
  if (typeof schema['$ref'] === 'string') {
    return { value: sample(api, api.ref(schema['$ref']), depth + 1) };
  }
  const choices = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(choices)) return { value: sample(api, choices[0], depth + 1) };
  if (!Array.isArray(schema['allOf'])) return undefined;
  const parts = schema['allOf'].map((s) => sample(api, s, depth + 1));
  return { value: Object.assign({}, ...parts) as unknown };
}

export function sample(api: OpenApi, input: unknown, depth = 0): unknown {
  if (depth > 40) throw new Error('schema too deep to sample');
  const schema = input as Schema;
  const combination = combined(api, schema, depth);
  if (combination) return combination.value;
  const type = first(schema['type']) ?? (schema['properties'] ? 'object' : undefined);
  if (type !== 'object') return scalar(schema, type);
  const properties = (schema['properties'] ?? {}) as Record<string, unknown>;
  const required = (schema['required'] ?? []) as string[];
  return Object.fromEntries(
    required.map((name) => [name, sample(api, properties[name] ?? {}, depth + 1)]),
  );
}
