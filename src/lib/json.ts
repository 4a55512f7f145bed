/** JSON data: what manifests, CR specs and API bodies are made of. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** JSON with object keys sorted at every level (undefined dropped): same value, same bytes. */
export function canonicalJson(value: unknown): string {
  const sort = (v: unknown): Json => {
    if (Array.isArray(v)) return v.map(sort);
    if (!isRecord(v)) return v as Json;
    const keys = Object.keys(v).filter((k) => v[k] !== undefined);
    return Object.fromEntries(keys.sort().map((k) => [k, sort(v[k])]));
  };
  return JSON.stringify(sort(value));
}
