/**
 * A canonical YAML emitter for Kubernetes manifests.
 *
 * Why not `yaml.stringify`: rendering 10k services writes ~40k documents and the general-purpose
 * library costs more than the whole render (see docs/adr/0005-render-fast-path.md). Manifests are
 * JSON data (objects, arrays, strings, numbers, booleans, null), so a small emitter covers them:
 * block style, keys in canonical order, and a string is written plain only when it cannot be read
 * back as anything else; every other string is a JSON double-quoted scalar, which YAML 1.2 reads
 * identically. Same input, same bytes.
 */

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

// Plain scalars that a YAML 1.1 or 1.2 reader would not take as a string.
const RESERVED = /^(?:y|n|yes|no|on|off|true|false|null|~|\.inf|\.nan|-\.inf)$/i;
// Conservative plain-safe strings: no leading indicator, no ": ", " #", no trailing space.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@=+-]*(?:[ ][A-Za-z0-9_./@=+()-]+)*$/;
const NUMERIC = /^[-+.]?[0-9]/;

/** Top-level and metadata keys come first in the order people read them; all others sort. */
const FIRST_KEYS: Record<string, readonly string[]> = {
  top: ['apiVersion', 'kind', 'metadata'],
  metadata: ['name', 'namespace'],
};

function scalar(value: string | number | boolean | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write non-finite number ${value} to YAML`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (PLAIN.test(value) && !RESERVED.test(value) && !NUMERIC.test(value)) return value;
  return quoted(value);
}

/** A JSON string is a YAML double-quoted scalar; non-ASCII is escaped so output is plain ASCII. */
function quoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function orderedKeys(value: { [key: string]: Json }, first: readonly string[]): string[] {
  const rest = Object.keys(value)
    .filter((k) => !first.includes(k) && value[k] !== undefined)
    .sort(compareKeys);
  return [...first.filter((k) => value[k] !== undefined), ...rest];
}

/** Sorts by UTF-16 code units: the same on every machine, independent of locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isEmptyCollection(value: Json): boolean {
  if (Array.isArray(value)) return value.length === 0;
  return typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

function emit(value: Json, indent: string, keyPath: string, out: string[]): void {
  if (Array.isArray(value)) emitSequence(value, indent, out);
  else if (typeof value === 'object' && value !== null) emitMapping(value, indent, keyPath, out);
  else out.push(`${indent}${scalar(value)}\n`);
}

function inline(value: Json): string | undefined {
  if (isEmptyCollection(value)) return Array.isArray(value) ? '[]' : '{}';
  if (typeof value !== 'object' || value === null) return scalar(value);
  return undefined;
}

// Multi-line text (config files, templates) reads best as a literal block; only text that a
// block represents exactly qualifies: printable ASCII, no tabs or CRs, no leading space, at most
// one final newline, no trailing spaces.
const BLOCKABLE = /^[\x21-\x7e][\x20-\x7e\n]*$/;

function literalBlock(value: string, indent: string): string | undefined {
  if (!value.includes('\n') || !BLOCKABLE.test(value) || value.endsWith('\n\n')) return undefined;
  const chomp = value.endsWith('\n') ? '|' : '|-';
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  if (body.split('\n').some((line) => line.endsWith(' '))) return undefined;
  const lines = body.split('\n').map((line) => (line === '' ? '\n' : `${indent}${line}\n`));
  return `${chomp}\n${lines.join('')}`;
}

function emitMapping(value: { [key: string]: Json }, indent: string, keyPath: string, out: string[]) {
  const first = FIRST_KEYS[keyPath] ?? [];
  for (const key of orderedKeys(value, first)) {
    const child = value[key] as Json;
    const k = scalar(key);
    const block = typeof child === 'string' ? literalBlock(child, `${indent}  `) : undefined;
    const text = block === undefined ? inline(child) : undefined;
    if (block !== undefined) out.push(`${indent}${k}: ${block}`);
    else if (text !== undefined) out.push(`${indent}${k}: ${text}\n`);
    else {
      out.push(`${indent}${k}:\n`);
      const nested = Array.isArray(child) ? indent : `${indent}  `;
      emit(child, nested, key === 'metadata' && keyPath === 'top' ? 'metadata' : '', out);
    }
  }
}

function emitSequence(value: Json[], indent: string, out: string[]): void {
  for (const item of value) {
    const text = inline(item);
    if (text !== undefined) {
      out.push(`${indent}- ${text}\n`);
      continue;
    }
    // Write the item one level deeper, then turn its first indentation into the "- " marker.
    const start = out.length;
    emit(item, `${indent}  `, '', out);
    out[start] = `${indent}- ${(out[start] as string).slice(indent.length + 2)}`;
  }
}

/** One YAML document for a manifest (a JSON object), ending in a newline. */
export function toYaml(value: { [key: string]: Json }): string {
  const out: string[] = [];
  emitMapping(value, '', 'top', out);
  return out.join('');
}

/** Several manifests as one multi-document YAML stream. */
export function toYamlStream(values: readonly { [key: string]: Json }[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join('');
}
