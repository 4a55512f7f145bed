/**
 * Reading parsed YAML nodes (the `yaml` package's Document tree), keeping each node's place so a
 * finding can name its line and column. Rules read through these helpers, never through regexes
 * over YAML text: quoting, flow style, anchors and multi-document files are the parser's job.
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
} from 'yaml';

export interface Place {
  line: number;
  column: number;
}

/** One document of a YAML file, with where its nodes are. */
export interface YamlDoc {
  root: unknown;
  at(node: unknown): Place;
  /** The document as plain data. */
  toJS(): unknown;
}

export interface YamlParse {
  docs: YamlDoc[];
  /** The first parse error, with its place: such a file is reported, never skipped silently. */
  error?: { message: string; place: Place };
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range?.[0];
}

function docOf(doc: Document.Parsed, lines: LineCounter): YamlDoc {
  const start = rangeStart(doc.contents) ?? 0;
  return {
    root: doc.contents,
    toJS: () => doc.toJS() as unknown,
    at(node) {
      const { line, col } = lines.linePos(rangeStart(node) ?? start);
      return { line, column: col };
    },
  };
}

export function parseYaml(text: string): YamlParse {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: false });
  const all = Array.isArray(parsed) ? parsed : [];
  const broken = all.flatMap((doc) => doc.errors)[0];
  if (broken) {
    const { line, col } = lines.linePos(broken.pos[0]);
    return {
      docs: [],
      error: { message: broken.message.split('\n')[0]!, place: { line, column: col } },
    };
  }
  return { docs: all.filter((doc) => doc.contents !== null).map((doc) => docOf(doc, lines)) };
}

/** The value node under `key` of a map node, else undefined. */
export function get(node: unknown, key: string): unknown {
  if (!isMap(node)) return undefined;
  const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
  return pair?.value ?? undefined;
}

/** The node at a path of keys. */
export function dig(node: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((at, key) => get(at, key), node);
}

/** The string (or number/boolean, as text) of a scalar node; undefined for maps, seqs, null. */
export function text(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  const value: unknown = node.value;
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

export function items(node: unknown): unknown[] {
  return isSeq(node) ? node.items : [];
}

/** A map's entries as [key text, key node, value node]. */
export function entries(node: unknown): Array<[string, unknown, unknown]> {
  if (!isMap(node)) return [];
  return node.items
    .filter((pair) => isScalar(pair.key))
    .map((pair) => [String((pair.key as { value: unknown }).value), pair.key, pair.value]);
}

export const isMapNode = (node: unknown): boolean => isMap(node);

/** Every map node in a tree, depth first (aliases are not followed: their target is visited). */
export function maps(node: unknown): unknown[] {
  if (isAlias(node)) return [];
  if (isMap(node)) return [node, ...node.items.flatMap((pair) => maps(pair.value))];
  if (isSeq(node)) return node.items.flatMap((item) => maps(item));
  return [];
}

/** Every scalar node in a tree (map values and sequence items; keys are names, not values). */
export function scalars(node: unknown): unknown[] {
  if (isScalar(node)) return [node];
  if (isMap(node)) return node.items.flatMap((pair) => scalars(pair.value));
  if (isSeq(node)) return node.items.flatMap((item) => scalars(item));
  return [];
}
