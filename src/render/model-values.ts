import type { FqdnModel } from './model.ts';

/** Values of the render model normalised from what a spec allows to be written several ways. */

/** `{}` in the spec means replies without limits: nats-server's `allow_responses: true`. */
export function allowResponses(value: { max?: number | undefined; expires?: string | undefined }) {
  if (value.max === undefined && value.expires === undefined) return true;
  return {
    ...(value.max !== undefined && { max: value.max }),
    ...(value.expires !== undefined && { expires: value.expires }),
  };
}

export function dedupeFqdns(list: FqdnModel[]): FqdnModel[] {
  const byName = new Map<string, Set<number>>();
  for (const f of list) byName.set(f.name, new Set([...(byName.get(f.name) ?? []), ...f.ports]));
  return [...byName].map(([name, ports]) => ({ name, ports: [...ports].sort((a, b) => a - b) }));
}
