/**
 * JSON schemas for kubeconform, made here because kubeconform cannot download them: Kubernetes
 * kinds from the real apiserver's `/openapi/v2` (the targeted version, v1.34), Cilium's kinds
 * from Cilium's own CRD files. Written in kubeconform's layout
 * (`<kind><-group><-version>.json`) and strict like kubernetes-json-schema's `-strict` variant:
 * an object with declared properties allows no others, so a misspelled field fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { kubectl } from './env.ts';

type Schema = { [key: string]: unknown };

/** kubeconform's file name for a kind: `deployment-apps-v1`, `service-v1`, `ciliumnetworkpolicy-cilium-v2`. */
export function schemaName(kind: string, group: string, version: string): string {
  const groupPart = group === '' ? '' : `-${group.split('.')[0]!.toLowerCase()}`;
  return `${kind.toLowerCase()}${groupPart}-${version.toLowerCase()}`;
}

/** kubeconform's -schema-location template for a folder written by these functions. */
export const schemaLocation = (dir: string) => `${dir}/{{ .ResourceKind }}{{ .KindSuffix }}.json`;

const COMBINATORS = new Set(['anyOf', 'oneOf', 'allOf', 'not']);

/** Closes every object schema; branches of anyOf/oneOf/allOf only add constraints, so not them. */
function strict(node: unknown, branch = false): void {
  if (Array.isArray(node)) return node.forEach((n) => strict(n, branch));
  if (typeof node !== 'object' || node === null) return;
  const schema = node as Schema;
  const open = schema['x-kubernetes-preserve-unknown-fields'] === true;
  if (!branch && schema['properties'] && schema['additionalProperties'] === undefined && !open) {
    schema['additionalProperties'] = false;
  }
  for (const [key, value] of Object.entries(schema)) strict(value, COMBINATORS.has(key));
}

function refsOf(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => refsOf(n, out));
  if (typeof node !== 'object' || node === null) return;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out.add(value.replace('#/definitions/', ''));
    else refsOf(value, out);
  }
}

/** The definition and every definition it references, transitively. */
function closure(name: string, definitions: Record<string, Schema>): Record<string, Schema> {
  const seen: Record<string, Schema> = {};
  const queue = [name];
  while (queue.length > 0) {
    const next = queue.pop()!;
    if (seen[next] || !definitions[next]) continue;
    seen[next] = definitions[next];
    const refs = new Set<string>();
    refsOf(definitions[next], refs);
    queue.push(...refs);
  }
  return seen;
}

type Gvk = { group: string; version: string; kind: string };

/** Writes the schemas of `kinds` (by kind name) from the apiserver's OpenAPI v2 document. */
export async function writeKubernetesSchemas(
  dir: string,
  kinds: ReadonlySet<string>,
): Promise<string[]> {
  const raw = await kubectl(['get', '--raw', '/openapi/v2']);
  if (raw.code !== 0) throw new Error(`cannot read /openapi/v2: ${raw.stderr}`);
  const definitions = (JSON.parse(raw.stdout) as { definitions: Record<string, Schema> })
    .definitions;
  // OpenAPI v2 says string for int-or-string; JSON Schema needs both types.
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = {
    oneOf: [{ type: 'string' }, { type: 'integer' }],
  };
  strict(definitions);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, def] of Object.entries(definitions)) {
    const gvks = (def['x-kubernetes-group-version-kind'] ?? []) as Gvk[];
    for (const gvk of gvks.filter((g) => kinds.has(g.kind))) {
      const file = schemaName(gvk.kind, gvk.group, gvk.version);
      const schema = { ...def, definitions: closure(name, definitions) };
      writeFileSync(join(dir, `${file}.json`), JSON.stringify(schema));
      written.push(file);
    }
  }
  return written;
}

/** Writes the schema of every version of the CRDs in a YAML file (Cilium's, for example). */
export function writeCrdSchemas(dir: string, crdFile: string): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const doc of parseAllDocuments(readFileSync(crdFile, 'utf8'))) {
    const crd = doc.toJS() as {
      spec?: {
        group: string;
        names: { kind: string };
        versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[];
      };
    } | null;
    if (!crd?.spec) continue;
    for (const version of crd.spec.versions) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      strict(schema);
      const file = schemaName(crd.spec.names.kind, crd.spec.group, version.name);
      writeFileSync(join(dir, `${file}.json`), JSON.stringify(schema));
      written.push(file);
    }
  }
  return written;
}
