import { withField, type Json, type JsonObject } from './valid.ts';

/** A malformed object, what `posture validate` reports for it and what the apiserver says. */
export interface MalformedCase {
  /** A sentence: what is wrong. */
  name: string;
  object: JsonObject;
  /** Field path `posture validate` reports (one of its findings has exactly this path). */
  path: string;
  /** Text the apiserver's error contains. */
  apiserver: string | RegExp;
}

type Path = readonly (string | number)[];
/** The apiserver's text, plus the reported path when it is not the field that was set. */
type Expect = string | RegExp | { apiserver: string | RegExp; path: string };

function dotted(path: Path): string {
  return path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .slice(1);
}

/** A row that sets one field of a valid object (`undefined` removes it). */
export function set(
  name: string,
  base: JsonObject,
  [path, value]: [Path, Json | undefined],
  expect: Expect,
): MalformedCase {
  const object = withField(base, path, value);
  if (typeof expect === 'object' && !(expect instanceof RegExp)) {
    return { name, object, path: expect.path, apiserver: expect.apiserver };
  }
  return { name, object, path: dotted(path), apiserver: expect };
}

/** What the apiserver says for a pattern mismatch, a wrong type, an open CIDR, a duplicate. */
export const MATCH = 'should match';
export const TYPE = /must be of type|Invalid value: "(string|integer|number|boolean|array|object)"/;
export const OPEN = 'an open range (/0';
export const DUPLICATE = 'Duplicate value';
