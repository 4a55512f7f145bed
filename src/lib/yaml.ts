/**
 * A canonical YAML emitter for Kubernetes manifests.
 *
 * Why not `yaml.stringify`: rendering 10k services writes ~40k documents and the general-purpose
 * library costs more than the whole render (docs/adr/0032-render-fast-path.md). Manifests are
 * JSON data (objects, arrays, strings, numbers, booleans, null), so a small emitter covers them:
 * block style, keys in canonical order, and a string is written plain only when it cannot be read
 * back as anything else; every other string is a JSON double-quoted scalar, which YAML 1.2 reads
 * identically. Same input, same bytes.
 */

import type { Json, JsonObject } from './json.ts';

// Plain scalars that a YAML 1.1 or 1.2 reader would not take as a string.
const RESERVED = /^(?:y|n|yes|no|on|off|true|false|null|~|\.inf|\.nan|-\.inf)$/i;
// Conservative plain-safe strings: no leading indicator, no ": ", " #", no trailing space.
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./@=+-]*(?:[ ][A-Za-z0-9_./@=+()-]+)*$/;
const NUMERIC = /^[-+.]?[0-9]/;
// Multi-line text (config files, templates) reads best as a literal block; only text that a
// block represents exactly qualifies: printable ASCII, no tabs or CRs, no leading space, at most
// one final newline, no trailing spaces.
const BLOCKABLE = /^[\x21-\x7e][\x20-\x7e\n]*$/;

/** Top-level and metadata keys come first in the order people read them; all others sort. */
const TOP_FIRST = ['apiVersion', 'kind', 'metadata'] as const;
const METADATA_FIRST = ['name', 'namespace'] as const;

function stringScalar(value: string): string {
  return PLAIN.test(value) && !RESERVED.test(value) && !NUMERIC.test(value) ? value : quoted(value);
}

// Manifests repeat the same few hundred keys: their scalar form is memoized.
const keyCache = new Map<string, string>();
const KEY_CACHE_LIMIT = 4096;

function keyScalar(key: string): string {
  let text = keyCache.get(key);
  if (text === undefined) {
    text = stringScalar(key);
    if (keyCache.size < KEY_CACHE_LIMIT) keyCache.set(key, text);
  }
  return text;
}

function scalar(value: string | number | boolean | null): string {
  if (typeof value === 'string') return stringScalar(value);
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`cannot write non-finite number ${value} to YAML`);
    return String(value);
  }
  return value ? 'true' : 'false';
}

/** A JSON string is a YAML double-quoted scalar; non-ASCII is escaped so output is plain ASCII. */
function quoted(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Sorts by UTF-16 code units: the same on every machine, independent of locale. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderedKeys(value: JsonObject, first: readonly string[] | undefined): string[] {
  const keys = Object.keys(value).sort(compareKeys);
  if (first === undefined) return keys;
  const head = first.filter((k) => k in value);
  return [...head, ...keys.filter((k) => !first.includes(k))];
}

function literalBlock(value: string, indent: string): string | undefined {
  if (!BLOCKABLE.test(value) || value.endsWith('\n\n')) return undefined;
  const chomp = value.endsWith('\n') ? '|' : '|-';
  const body = value.endsWith('\n') ? value.slice(0, -1) : value;
  const lines = body.split('\n');
  if (lines.some((line) => line.endsWith(' '))) return undefined;
  let out = `${chomp}\n`;
  for (const line of lines) out += line === '' ? '\n' : `${indent}${line}\n`;
  return out;
}

/** The text after `key: ` or `- ` when the value fits on that line, else undefined. */
function inline(value: Json): string | undefined {
  if (typeof value !== 'object' || value === null) return scalar(value);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  return isEmptyObject(value) ? '{}' : undefined;
}

function isEmptyObject(value: JsonObject): boolean {
  for (const key in value) if (Object.hasOwn(value, key)) return false;
  return true;
}

/**
 * Pieces of output, joined once per document: a joined string is flat, whereas `+=` builds a
 * rope whose cells the garbage collector traces for as long as the text lives (most of the
 * time of a 10k-service synth went there).
 */
type Out = string[];

/**
 * Writes a nested value at `indent`; its first line starts with `lead` instead of the indent,
 * which is how a sequence item gets its "- " marker.
 */
function emit(value: Json, indent: string, lead: string, out: Out): void {
  if (Array.isArray(value)) emitSequence(value, indent, lead, out);
  else if (typeof value === 'object' && value !== null) {
    emitMapping(value, undefined, { indent, lead }, out);
  } else out.push(lead, scalar(value), '\n');
}

function emitEntry(key: string, child: Json, place: Place, out: Out): void {
  const { indent, lead } = place;
  const k = keyScalar(key);
  if (typeof child === 'string' && child.includes('\n')) {
    const block = literalBlock(child, `${indent}  `);
    if (block !== undefined) return void out.push(lead, k, ': ', block);
  }
  const text = inline(child);
  if (text !== undefined) return void out.push(lead, k, ': ', text, '\n');
  out.push(lead, k, ':\n');
  if (Array.isArray(child)) return emitSequence(child, indent, indent, out);
  const first = key === 'metadata' && lead === '' && indent === '' ? METADATA_FIRST : undefined;
  const nested = `${indent}  `;
  emitMapping(child as JsonObject, first, { indent: nested, lead: nested }, out);
}

interface Place {
  indent: string;
  lead: string;
}

const TOP: Place = { indent: '', lead: '' };

function emitKeys(value: JsonObject, keys: string[], place: Place, out: Out): void {
  const rest = place.lead === place.indent ? place : { indent: place.indent, lead: place.indent };
  let at = place;
  for (const key of keys) {
    const child = value[key];
    if (child === undefined) continue;
    emitEntry(key, child, at, out);
    at = rest;
  }
}

function emitMapping(
  value: JsonObject,
  first: readonly string[] | undefined,
  place: Place,
  out: Out,
) {
  emitKeys(value, orderedKeys(value, first), place, out);
}

function emitSequence(value: Json[], indent: string, lead: string, out: Out): void {
  let prefix = lead;
  const nested = `${indent}  `;
  for (const item of value) {
    const text = inline(item);
    if (text === undefined) emit(item, nested, `${prefix}- `, out);
    else out.push(prefix, '- ', text, '\n');
    prefix = indent;
  }
}

/** One YAML document for a manifest (a JSON object), ending in a newline. */
export function toYaml(value: JsonObject): string {
  const out: Out = [];
  emitMapping(value, TOP_FIRST, TOP, out);
  return out.join('');
}

/** Several manifests as one multi-document YAML stream. */
export function toYamlStream(values: readonly JsonObject[]): string {
  const out: Out = [];
  for (const v of values) {
    out.push('---\n');
    emitMapping(v, TOP_FIRST, TOP, out);
  }
  return out.join('');
}
