import { z } from 'zod';

/**
 * Turns zod's JSON Schema (draft 2020-12) into a structural Kubernetes openAPIV3Schema.
 *
 * zod already carries most of what the CRD needs (types, descriptions, patterns, bounds,
 * enums, defaults) and `.meta()` carries the rest (`x-kubernetes-validations`, list types).
 * What differs is fixed here: no `additionalProperties: false` (structural schemas prune
 * unknown fields; strict field validation rejects them), `const` becomes a one-value enum,
 * numeric `exclusiveMinimum` becomes OpenAPI v3.0's boolean form, and zod's safe-integer bounds
 * are dropped. Anything that cannot be structural (unions, `$ref`) is a programming error.
 */

export type Schema = { [key: string]: unknown };

const SAFE = Number.MAX_SAFE_INTEGER;
const DROP = new Set(['$schema', 'propertyNames', 'id', 'title', '$id']);
const NOT_STRUCTURAL = ['anyOf', 'oneOf', 'allOf', 'not', '$ref', '$defs', 'definitions'];

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fixNumbers(out: Schema): void {
  if (out['maximum'] === SAFE) delete out['maximum'];
  if (out['minimum'] === -SAFE) delete out['minimum'];
  for (const [bound, plain] of [
    ['exclusiveMinimum', 'minimum'],
    ['exclusiveMaximum', 'maximum'],
  ] as const) {
    const value = out[bound];
    if (typeof value === 'number') {
      out[plain] = value;
      out[bound] = true;
    }
  }
}

function fixScalars(out: Schema): void {
  if ('const' in out) {
    out['enum'] = [out['const']];
    delete out['const'];
  }
  // zod spells date-time as a long regex; the apiserver checks `format: date-time` itself.
  if (out['format'] === 'date-time') delete out['pattern'];
  if (out['additionalProperties'] === false) delete out['additionalProperties'];
}

function convertChildren(out: Schema, path: string): void {
  const properties = out['properties'];
  if (isSchema(properties)) {
    const converted: Schema = {};
    for (const [key, child] of Object.entries(properties)) {
      converted[key] = convert(child, `${path}.${key}`);
    }
    out['properties'] = converted;
  }
  if (out['items'] !== undefined) out['items'] = convert(out['items'], `${path}[]`);
  if (isSchema(out['additionalProperties'])) {
    out['additionalProperties'] = convert(out['additionalProperties'], `${path}{}`);
  }
}

/** One node of zod's JSON Schema as a structural schema node. */
export function convert(node: unknown, path: string): Schema {
  if (!isSchema(node)) throw new Error(`${path}: schema is not an object`);
  const bad = NOT_STRUCTURAL.find((k) => k in node);
  if (bad) throw new Error(`${path}: ${bad} cannot be expressed in a structural CRD schema`);
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) if (!DROP.has(key)) out[key] = value;
  if (typeof out['type'] !== 'string') throw new Error(`${path}: every node needs one type`);
  fixNumbers(out);
  fixScalars(out);
  convertChildren(out, path);
  if (Array.isArray(out['required']) && out['required'].length === 0) delete out['required'];
  return out;
}

/** The structural openAPIV3Schema of a zod schema, as the apiserver sees input. */
export function structuralSchema(schema: z.ZodType, path: string): Schema {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'throw', reused: 'inline' });
  return convert(json, path);
}
