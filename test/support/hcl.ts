/**
 * A small reader for the HCL that terraform/ is written in: top-level blocks with labels,
 * attributes whose values are strings, numbers, booleans, lists, objects, references
 * (`var.x`, `vault_auth_backend.kubernetes.path`) and function calls (`file(...)`), and nested
 * blocks. Not a general HCL parser: what it does not know it refuses, so a construct added to
 * terraform/ fails the test until the reader (and the comparison) knows it. OpenTofu's own
 * parser checks the same files (`tofu fmt -check`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Expr =
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'template'; raw: string }
  | { kind: 'ref'; path: string[] }
  | { kind: 'call'; name: string; args: Expr[] }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'object'; fields: Record<string, Expr> };

export interface Block {
  type: string;
  labels: string[];
  attributes: Record<string, Expr>;
  blocks: Block[];
}

const TOKEN =
  /\s+|#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/|("(?:[^"\\]|\\.)*")|(-?\d+(?:\.\d+)?)|([A-Za-z_][\w-]*(?:\.[A-Za-z_][\w-]*)*)|([{}[\](),=:])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  let at = 0;
  while (at < text.length) {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(text);
    if (!match) throw new Error(`HCL: cannot read at ${JSON.stringify(text.slice(at, at + 30))}`);
    at = TOKEN.lastIndex;
    // Newlines separate attributes; the reader only needs them to end an attribute.
    if (/^\s+$/.test(match[0]) && match[0].includes('\n')) tokens.push('\n');
    const token = match[1] ?? match[2] ?? match[3] ?? match[4];
    if (token !== undefined) tokens.push(token);
  }
  return tokens;
}

function literal(token: string): Expr {
  if (token.startsWith('"')) {
    const value = JSON.parse(token) as string;
    return token.includes('${') ? { kind: 'template', raw: value } : { kind: 'literal', value };
  }
  if (/^-?\d/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === 'true' || token === 'false') return { kind: 'literal', value: token === 'true' };
  throw new Error(`HCL: unexpected ${JSON.stringify(token)}`);
}

function text(value: Value): string {
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`HCL: ${JSON.stringify(value)} is not a string`);
}

class Reader {
  #at = 0;
  readonly tokens: string[];
  constructor(tokens: string[]) {
    this.tokens = tokens;
  }

  peek(): string | undefined {
    return this.tokens[this.#at];
  }
  next(): string {
    const token = this.tokens[this.#at++];
    if (token === undefined) throw new Error('HCL: unexpected end');
    return token;
  }
  skipNewlines(): void {
    while (this.peek() === '\n') this.#at += 1;
  }
  expect(token: string): void {
    const got = this.next();
    if (got !== token) throw new Error(`HCL: expected ${token}, got ${JSON.stringify(got)}`);
  }

  body(): Omit<Block, 'type' | 'labels'> {
    const attributes: Record<string, Expr> = {};
    const blocks: Block[] = [];
    for (;;) {
      this.skipNewlines();
      const token = this.peek();
      if (token === undefined || token === '}') return { attributes, blocks };
      const name = this.next();
      if (this.peek() === '=') {
        this.next();
        attributes[name] = this.expr();
        continue;
      }
      const labels: string[] = [];
      while (this.peek()?.startsWith('"')) labels.push(JSON.parse(this.next()) as string);
      this.expect('{');
      const inner = this.body();
      this.expect('}');
      blocks.push({ type: name, labels, ...inner });
    }
  }

  expr(): Expr {
    this.skipNewlines();
    const token = this.next();
    if (token === '[') return { kind: 'list', items: this.sequence(']') };
    if (token === '{') return this.object();
    if (/^[A-Za-z_]/.test(token) && token !== 'true' && token !== 'false') {
      if (this.peek() !== '(') return { kind: 'ref', path: token.split('.') };
      this.next();
      return { kind: 'call', name: token, args: this.sequence(')') };
    }
    return literal(token);
  }

  object(): Expr {
    const fields: Record<string, Expr> = {};
    for (;;) {
      this.skipNewlines();
      if (this.peek() === '}') break;
      const key = this.next();
      const sep = this.next();
      if (sep !== '=' && sep !== ':') throw new Error(`HCL: expected = after ${key}`);
      fields[key.startsWith('"') ? (JSON.parse(key) as string) : key] = this.expr();
      if (this.peek() === ',') this.next();
    }
    this.next();
    return { kind: 'object', fields };
  }

  sequence(end: string): Expr[] {
    const items: Expr[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek() === end) break;
      items.push(this.expr());
      this.skipNewlines();
      if (this.peek() === ',') this.next();
    }
    this.next();
    return items;
  }
}

export function parseHcl(text: string): Block[] {
  const reader = new Reader(tokenize(text));
  const { attributes, blocks } = reader.body();
  if (reader.peek() !== undefined) throw new Error('HCL: unexpected }');
  if (Object.keys(attributes).length > 0) throw new Error('HCL: attributes outside a block');
  return blocks;
}

/** Every block of every `.tf` file in a folder (a module), so a new file is read too. */
export function readModule(dir: string): Block[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort()
    .flatMap((f) => parseHcl(readFileSync(join(dir, f), 'utf8')));
}

export type Value = string | number | boolean | Value[] | { [key: string]: Value };

/**
 * Evaluates an expression of a module: `var.x` to the variable's default (or `vars`),
 * `<type>.<name>.<attribute>` to that resource's attribute, `path.module` to `dir`, and the one
 * function terraform/ uses, `file()`.
 */
function call(name: string, args: Value[]): Value {
  if (name !== 'file' || args.length !== 1) throw new Error(`HCL: unknown function ${name}`);
  return readFileSync(text(args[0]!), 'utf8');
}

export function evaluator(dir: string, blocks: Block[], vars: Record<string, Value> = {}) {
  const resource = (type: string, name: string): Block => {
    const found = blocks.find(
      (b) => b.type === 'resource' && b.labels[0] === type && b.labels[1] === name,
    );
    if (!found) throw new Error(`HCL: no resource ${type}.${name}`);
    return found;
  };
  const variable = (name: string): Value => {
    if (name in vars) return vars[name]!;
    const decl = blocks.find((b) => b.type === 'variable' && b.labels[0] === name);
    const fallback = decl?.attributes.default;
    if (!fallback) throw new Error(`HCL: variable ${name} has no default and no value`);
    return evaluate(fallback);
  };
  const ref = (path: string[]): Value => {
    const [root = '', name = '', attr] = path;
    if (root === 'path' && name === 'module') return dir;
    if (root === 'var') return variable(name);
    if (attr === undefined) throw new Error(`HCL: cannot resolve ${path.join('.')}`);
    const value = resource(root, name).attributes[attr];
    if (!value) throw new Error(`HCL: ${path.join('.')} is not set`);
    return evaluate(value);
  };
  const evaluate = (expr: Expr): Value => {
    switch (expr.kind) {
      case 'literal':
        return expr.value;
      case 'template':
        return expr.raw.replace(/\$\{([^}]+)\}/g, (_, p: string) => text(ref(p.trim().split('.'))));
      case 'ref':
        return ref(expr.path);
      case 'list':
        return expr.items.map(evaluate);
      case 'object':
        return Object.fromEntries(Object.entries(expr.fields).map(([k, v]) => [k, evaluate(v)]));
      case 'call':
        return call(expr.name, expr.args.map(evaluate));
    }
  };
  /** Every attribute of every resource of `type`, evaluated. */
  const resources = (type: string): Record<string, Value>[] =>
    blocks
      .filter((b) => b.type === 'resource' && b.labels[0] === type)
      .map((b) =>
        Object.fromEntries(Object.entries(b.attributes).map(([k, v]) => [k, evaluate(v)])),
      );
  return { evaluate, resources };
}
