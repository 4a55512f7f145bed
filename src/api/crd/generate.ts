import { z } from 'zod';
import { toYaml } from '../../lib/yaml.ts';
import { CEL_KEY } from '../common/cel.ts';
import type { KindInfo } from '../common/kind.ts';
import { API_GROUP, API_VERSION } from '../common/metadata.ts';
import { KINDS } from '../index.ts';
import { structuralSchema, type Schema } from './structural.ts';
import type { Json } from '../../lib/json.ts';

/** Where the committed CRDs live (the Helm chart's crds/ folder). */
export const CRD_DIR = 'charts/posture/crds';

export function crdName(kind: KindInfo): string {
  return `${kind.plural}.${API_GROUP}`;
}

export function crdFileName(kind: KindInfo): string {
  return `${crdName(kind)}.yaml`;
}

/** Fills the descriptions a kind gives by path into spec nodes that have none. */
function describe(node: Schema, path: string, table: Readonly<Record<string, string>>): void {
  const text = table[path];
  if (node['description'] === undefined && text !== undefined) node['description'] = text;
  const join = (key: string) => (path ? `${path}.${key}` : key);
  for (const [key, child] of Object.entries((node['properties'] ?? {}) as Record<string, Schema>))
    describe(child, join(key), table);
  if (typeof node['items'] === 'object') describe(node['items'] as Schema, `${path}[]`, table);
  if (typeof node['additionalProperties'] === 'object')
    describe(node['additionalProperties'] as Schema, `${path}{}`, table);
}

function specSchema(kind: KindInfo): Schema {
  const spec = structuralSchema(kind.spec, `${kind.kind}.spec`);
  if (kind.fieldDescriptions) describe(spec, '', kind.fieldDescriptions);
  return spec;
}

function rootSchema(kind: KindInfo): Schema {
  const root: Schema = {
    type: 'object',
    description: kind.description,
    properties: {
      apiVersion: {
        type: 'string',
        description: `APIVersion of the object: ${API_GROUP}/${API_VERSION}.`,
      },
      kind: { type: 'string', description: `Kind of the object: ${kind.kind}.` },
      metadata: { type: 'object' },
      spec: specSchema(kind),
      status: structuralSchema(kind.status, `${kind.kind}.status`),
    },
    required: ['spec'],
  };
  const rules = z.globalRegistry.get(kind.schema)?.[CEL_KEY];
  if (rules !== undefined) root[CEL_KEY] = rules;
  return root;
}

/** The CustomResourceDefinition of a kind, derived from its zod schema. */
export function crdOf(kind: KindInfo): { [key: string]: Json } {
  const version = {
    name: API_VERSION,
    served: true,
    storage: true,
    schema: { openAPIV3Schema: rootSchema(kind) },
    subresources: { status: {} },
    additionalPrinterColumns: kind.printerColumns.map((c) => ({ ...c })),
  };
  const crd = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: crdName(kind),
      labels: { 'app.kubernetes.io/name': 'posture', 'app.kubernetes.io/part-of': 'posture' },
    },
    spec: {
      group: API_GROUP,
      names: {
        kind: kind.kind,
        listKind: kind.listKind,
        plural: kind.plural,
        singular: kind.singular,
        shortNames: [...kind.shortNames],
        categories: ['posture'],
      },
      scope: kind.scope,
      versions: [version],
    },
  };
  // Round-trip through JSON: zod's output holds only JSON values, this makes the type say so.
  return JSON.parse(JSON.stringify(crd)) as { [key: string]: Json };
}

const HEADER = '# Generated from the zod schemas in src/api by `npm run crds`; do not edit.\n';

/** Every CRD file: file name → YAML. */
export function crdFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const kind of KINDS) files.set(crdFileName(kind), HEADER + toYaml(crdOf(kind)));
  return files;
}

/** The CRD objects, for `posture synth` (gitops cluster/crds) and tests. */
export function crdObjects(): { [key: string]: Json }[] {
  return KINDS.map((k) => crdOf(k));
}
