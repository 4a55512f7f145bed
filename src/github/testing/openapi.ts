import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * GitHub's published OpenAPI description (the @octokit/openapi package) as a validator for the
 * fake GitHub server: every request body it receives and every response body it sends is
 * checked against the operation's schema, so the fake cannot drift from what GitHub answers and
 * the adapter cannot send what GitHub would refuse.
 *
 * The description is OpenAPI 3.0: `nullable: true` is rewritten to JSON Schema (a `null` type
 * or an `anyOf` with `{type: null}`) before ajv sees it. Formats are not checked (no
 * ajv-formats); types, required fields, enums and lengths are.
 */

export type Description = 'api.github.com' | 'ghes-3.19';

type Schema = { [key: string]: unknown };

export interface Operation {
  id: string;
  method: string;
  template: string;
  params: string[];
  pattern: RegExp;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** OpenAPI 3.0 `nullable` → JSON Schema, and local refs pointed at the shared components. */
function toJsonSchema(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonSchema);
  if (!isSchema(value)) return value;
  const out: Schema = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^#\//, 'github#/');
    else out[k] = toJsonSchema(v);
  }
  if (out['nullable'] !== true) return out;
  delete out['nullable'];
  if (typeof out['type'] === 'string') {
    out['type'] = [out['type'], 'null'];
    if (Array.isArray(out['enum'])) out['enum'] = [...(out['enum'] as unknown[]), null];
    return out;
  }
  return { anyOf: [{ type: 'null' }, out] };
}

const escape = (s: string) => s.replace(/[.*+?^$()|[\]\\]/g, '\\$&');

function operationOf(template: string, method: string, id: string): Operation {
  const params: string[] = [];
  const parts = template.split(/(\{[^}]+\})/).map((part, i, all) => {
    if (!part.startsWith('{')) return escape(part);
    params.push(part.slice(1, -1));
    // A ref (`heads/posture/promote-x`) holds slashes; it is always the last segment.
    return i === all.length - 2 && part === '{ref}' ? '(.+)' : '([^/]+)';
  });
  return { id, method, template, params, pattern: new RegExp(`^${parts.join('')}$`) };
}

export class OpenApi {
  readonly description: Description;
  readonly #doc: Schema;
  readonly #ajv: Ajv;
  readonly #operations: Operation[] = [];
  readonly #compiled = new Map<string, ValidateFunction>();

  /** Only the operations listed are served (GitHub has ~1,000; the fake needs a dozen). */
  constructor(description: Description, templates: readonly string[]) {
    this.description = description;
    const require = createRequire(import.meta.url);
    const file = require.resolve(`@octokit/openapi/generated/${description}.json`);
    this.#doc = JSON.parse(readFileSync(file, 'utf8')) as Schema;
    this.#ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateFormats: false,
      validateSchema: false,
      logger: false,
    });
    const components = this.#doc['components'] as Schema;
    this.#ajv.addSchema({ components: { schemas: toJsonSchema(components['schemas']) } }, 'github');
    const paths = this.#doc['paths'] as Record<string, Record<string, Schema>>;
    for (const template of templates) {
      const item = paths[template];
      if (!item) throw new Error(`${description} has no path ${template}`);
      for (const [method, op] of Object.entries(item)) {
        if (method === 'parameters') continue;
        this.#operations.push(
          operationOf(template, method.toUpperCase(), op['operationId'] as string),
        );
      }
    }
  }

  /** The operation and its path parameters (decoded) for a request, if the fake serves it. */
  find(
    method: string,
    path: string,
  ): { op: Operation; params: Record<string, string> } | undefined {
    for (const op of this.#operations) {
      const match = op.method === method ? op.pattern.exec(path) : null;
      if (!match) continue;
      const params = Object.fromEntries(
        op.params.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]),
      );
      return { op, params };
    }
    return undefined;
  }

  #resolve(value: unknown): Schema {
    const ref = isSchema(value) ? value['$ref'] : undefined;
    if (typeof ref !== 'string') return value as Schema;
    let at: unknown = this.#doc;
    for (const key of ref.replace(/^#\//, '').split('/'))
      at = (at as Schema)[key.replace(/~1/g, '/')];
    return this.#resolve(at);
  }

  #validator(key: string, schema: unknown): ValidateFunction {
    let validate = this.#compiled.get(key);
    if (!validate) {
      validate = this.#ajv.compile(toJsonSchema(schema) as Schema);
      this.#compiled.set(key, validate);
    }
    return validate;
  }

  #check(key: string, schema: unknown, body: unknown): string[] {
    const validate = this.#validator(key, schema);
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'invalid'}`);
  }

  #operation(op: Operation): Schema {
    const paths = this.#doc['paths'] as Record<string, Record<string, Schema>>;
    return paths[op.template]![op.method.toLowerCase()]!;
  }

  /** Problems with a request body, as `path message` strings; empty when valid. */
  requestProblems(op: Operation, body: unknown): string[] {
    const requestBody = this.#resolve(this.#operation(op)['requestBody']);
    const schema = (requestBody?.['content'] as Schema | undefined)?.['application/json'];
    if (!isSchema(schema)) return body === undefined ? [] : ['a body where none is described'];
    return this.#check(`${op.id} request`, schema['schema'], body);
  }

  /**
   * Problems with a request's query: every parameter must be one the operation describes, its
   * value of the described type and enum (integers are read from their text, as GitHub does).
   */
  queryProblems(op: Operation, query: URLSearchParams): string[] {
    const described = ((this.#operation(op)['parameters'] ?? []) as unknown[])
      .map((p) => this.#resolve(p))
      .filter((p) => p['in'] === 'query');
    return [...query.entries()].flatMap(([name, text]) => {
      const parameter = described.find((p) => p['name'] === name);
      if (!parameter) return [`query parameter ${name} is not described`];
      const schema = parameter['schema'] as Schema;
      const value = schema['type'] === 'integer' ? Number(text) : text;
      const problems = this.#check(`${op.id} query ${name}`, schema, value);
      return problems.map((p) => `query parameter ${name}=${text}: ${p}`);
    });
  }

  /**
   * Problems with a response body. A status the operation does not describe (a rate limit's
   * 403/429 on a read) must still be GitHub's error body, `basic-error`.
   */
  responseProblems(op: Operation, status: number, body: unknown): string[] {
    const responses = this.#operation(op)['responses'] as Schema;
    const described = this.#resolve(responses[String(status)]);
    if (!described && status < 400) return [`status ${status} is not described for ${op.id}`];
    const content = (described?.['content'] as Schema | undefined)?.['application/json'];
    const schema = isSchema(content)
      ? content['schema']
      : { $ref: '#/components/schemas/basic-error' };
    if (described && !isSchema(content)) return body === undefined ? [] : ['an undescribed body'];
    return this.#check(`${op.id} ${status}`, schema, body);
  }

  /** A component schema, for building sample bodies. */
  schema(name: string): unknown {
    const components = this.#doc['components'] as Record<string, Schema>;
    return toJsonSchema(components['schemas']![name]);
  }

  /** Resolves a `github#/components/...` reference produced by toJsonSchema. */
  ref(ref: string): unknown {
    const name = /^github#\/components\/schemas\/(.+)$/.exec(ref)?.[1];
    if (!name) throw new Error(`unexpected reference ${ref}`);
    return this.schema(name.replace(/~1/g, '/'));
  }
}
