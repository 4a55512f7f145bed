import type { z } from 'zod';
import { knownFields } from './shape.ts';

/** One thing wrong with an object: where, what, and what to do. */
export interface Problem {
  /** Path inside the object: ['spec', 'ports', 0, 'name']. */
  path: (string | number)[];
  message: string;
  fix: string;
}

type Issue = z.core.$ZodIssue;

/** `spec.ports[0].name` */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(object)' : out;
}

/**
 * Each zod issue as one line, `spec.ports[0].port: Too small: ...`: the one way conditions,
 * errors and logs show a schema's verdict.
 */
export function issueLines(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const part of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<PropertyKey, unknown>)[part];
  }
  return node;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

const TYPE_FIX: Record<string, string> = {
  number: 'write a number without quotes',
  int: 'write a whole number without quotes',
  string: 'write a string (quote it if YAML reads it as something else)',
  boolean: 'write true or false without quotes',
  array: 'write a YAML list (- item)',
  object: 'write a YAML mapping (key: value)',
};

function invalidType(
  issue: Issue & { code: 'invalid_type' },
  value: unknown,
): Omit<Problem, 'path'> {
  if (value === undefined) {
    return { message: 'required field is missing', fix: `add it (${issue.expected})` };
  }
  return {
    message: `expected ${issue.expected}, got ${typeName(value)}`,
    fix: TYPE_FIX[issue.expected] ?? `write a ${issue.expected}`,
  };
}

function sizeText(issue: Issue & { code: 'too_small' | 'too_big' }): string {
  const bound = String(issue.code === 'too_small' ? issue.minimum : issue.maximum);
  const unit: Record<string, string> = { string: ' characters', array: ' entries' };
  return `${bound}${unit[issue.origin] ?? ''}`;
}

function fixFromParams(issue: Issue): string | undefined {
  const params = (issue as { params?: { fix?: unknown } }).params;
  return typeof params?.fix === 'string' ? params.fix : undefined;
}

function describeIssue(issue: Issue, value: unknown): Omit<Problem, 'path'> {
  switch (issue.code) {
    case 'invalid_type':
      return invalidType(issue, value);
    case 'invalid_value':
      return {
        message: `${shown(value)} is not allowed`,
        fix: `use ${issue.values.length === 1 ? '' : 'one of '}${issue.values.map((v) => shown(v)).join(', ')}`,
      };
    case 'invalid_format':
      return { message: `${shown(value)} has the wrong format`, fix: issue.message };
    case 'too_small':
      return { message: `too small`, fix: `use at least ${sizeText(issue)}` };
    case 'too_big':
      return { message: `too big`, fix: `use at most ${sizeText(issue)}` };
    default:
      return {
        message: issue.message,
        fix: fixFromParams(issue) ?? 'see `kubectl explain` for the field',
      };
  }
}

function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  return candidates.find((c) => {
    const l = c.toLowerCase();
    return l === lower || l.startsWith(lower) || lower.startsWith(l) || editDistance(l, lower) <= 2;
  });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

function unknownKeys(schema: z.ZodType, issue: Issue & { code: 'unrecognized_keys' }): Problem[] {
  const known = knownFields(schema, issue.path);
  return issue.keys.map((key) => {
    const guess = closest(key, known);
    const fix =
      guess === undefined
        ? `remove it; known fields: ${known.join(', ')}`
        : `did you mean ${guess}?`;
    return { path: [...issue.path, key] as (string | number)[], message: 'unknown field', fix };
  });
}

/** zod's issues as problems with a field path and a fix, in zod's order. */
export function problemsOf(schema: z.ZodType, issues: readonly Issue[], input: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      problems.push(...unknownKeys(schema, issue));
      continue;
    }
    const path = issue.path as (string | number)[];
    problems.push({ path, ...describeIssue(issue, valueAt(input, path)) });
  }
  return problems;
}
