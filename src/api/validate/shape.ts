import type { z } from 'zod';

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  shape?: Record<string, z.ZodType>;
}

function defOf(schema: z.ZodType): Def {
  const def: unknown = schema._zod.def;
  return def as Def;
}

/** Strips optional/default/prefault/nullable/pipe wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (let i = 0; i < 16; i++) {
    const def = defOf(node);
    const inner = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (inner === undefined) return node;
    node = inner;
  }
  return node;
}

function child(schema: z.ZodType, part: PropertyKey): z.ZodType | undefined {
  const def = defOf(unwrap(schema));
  if (def.type === 'array') return def.element;
  if (def.type === 'object') return def.shape?.[String(part)];
  return undefined;
}

/** The field names of the object schema at a path, sorted; empty if there is none. */
export function knownFields(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let node: z.ZodType | undefined = schema;
  for (const part of path) {
    if (node === undefined) return [];
    node = child(node, part);
  }
  if (node === undefined) return [];
  const def = defOf(unwrap(node));
  return def.type === 'object' ? Object.keys(def.shape ?? {}).sort() : [];
}
