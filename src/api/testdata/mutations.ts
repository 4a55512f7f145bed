import fc from 'fast-check';
import type { Json, JsonObject } from './valid.ts';

/**
 * One random change to a valid object: a field of its spec set to an awkward value (wrong type,
 * open range, bare wildcard, null, ...) or removed. Used for the property that zod and the
 * apiserver give the same verdict, valid or not, on the same input.
 */
export interface Mutation {
  object: JsonObject;
  /** `spec.ports.0.name` */
  path: string;
  value: Json | undefined;
}

type Path = (string | number)[];

function pathsOf(value: Json, path: Path): Path[] {
  const out: Path[] = [path];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...path, i])));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...path, k]));
  }
  return out;
}

const AWKWARD: (Json | undefined)[] = [
  ...['', '>', 'titan.>', '0.0.0.0/0', '10.0.0.0/8', '1h', '30d', 'ABC', 'a', 'UDP', 'custom'],
  ...[-1, 0, 1, 1.5, 70000, 2147483648, true, false, [], {}, ['x'], { x: 1 }, null, undefined],
  `ghcr.io/x@sha256:${'a'.repeat(64)}`,
];

const value = fc.oneof(fc.constantFrom(...AWKWARD), fc.string({ maxLength: 6 }));

function apply(object: JsonObject, path: Path, v: Json | undefined): JsonObject {
  const copy = structuredClone(object);
  let node = copy as Record<string | number, Json>;
  for (const part of path.slice(0, -1)) node = node[part] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (v !== undefined) node[last] = v;
  else if (Array.isArray(node)) node.splice(Number(last), 1);
  else delete node[last];
  return copy;
}

export function mutated(valid: fc.Arbitrary<JsonObject>): fc.Arbitrary<Mutation> {
  return fc.tuple(valid, fc.nat(), value).map(([object, n, v]) => {
    const spec = object['spec'] ?? {};
    const paths = pathsOf(spec, ['spec']).filter((p) => p.length > 1);
    const path = paths[n % paths.length] ?? ['spec', 'x'];
    return { object: apply(object, path, v), path: path.join('.'), value: v };
  });
}
