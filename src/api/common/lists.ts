import { z } from 'zod';

function duplicates(values: readonly unknown[]): string[] {
  const seen = new Set<string>();
  const dups = new Set<string>();
  for (const v of values) {
    const key = JSON.stringify(v);
    if (seen.has(key)) dups.add(key);
    seen.add(key);
  }
  return [...dups];
}

/**
 * A list of scalars without duplicates: `x-kubernetes-list-type: set` makes the apiserver reject
 * duplicates, the refinement makes zod do the same.
 */
export function setOf<T extends z.ZodType>(item: T, max: number, description: string) {
  return z
    .array(item)
    .max(max)
    .refine((values) => duplicates(values).length === 0, {
      message: 'duplicate entries',
      params: { fix: 'remove the duplicates: each value may appear once' },
    })
    .meta({ description, 'x-kubernetes-list-type': 'set' });
}

/**
 * A list of objects keyed by one required field (`x-kubernetes-list-type: map`), so the apiserver
 * rejects two entries with the same key, and server-side apply merges entries by key.
 */
export function mapOf<T extends z.ZodObject>(
  item: T,
  key: keyof z.output<T> & string,
  max: number,
  description: string,
) {
  return z
    .array(item)
    .max(max)
    .refine(
      (values) => duplicates(values.map((v) => (v as Record<string, unknown>)[key])).length === 0,
      {
        message: `two entries have the same ${key}`,
        params: { fix: `give each entry its own ${key}, or merge them` },
      },
    )
    .meta({
      description,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': [key],
    });
}
