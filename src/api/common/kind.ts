import type { z } from 'zod';
import { API_GROUP, API_VERSION } from './metadata.ts';

/** A column `kubectl get` shows (CRD additionalPrinterColumns). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description?: string;
  priority?: number;
}

/** Everything posture knows about one of its kinds: names, schema and how kubectl shows it. */
export interface KindInfo<S extends z.ZodType = z.ZodType> {
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  shortNames: readonly string[];
  scope: 'Namespaced' | 'Cluster';
  /** The whole object: apiVersion, kind, metadata, spec, status. */
  schema: S;
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: readonly PrinterColumn[];
  /** One sentence for the CRD's top-level description. */
  description: string;
  /**
   * Descriptions of spec fields whose schema carries none, by path (`vault.address`, `[]` for
   * items, `{}` for map values): for a spec schema shared with files outside the API, whose
   * field definitions stay free of CRD prose.
   */
  fieldDescriptions?: Readonly<Record<string, string>>;
}

export const READY_COLUMN: PrinterColumn = {
  name: 'Ready',
  type: 'string',
  jsonPath: '.status.conditions[?(@.type=="Ready")].status',
  description: 'Summary condition.',
};

export const AGE_COLUMN: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
};

/**
 * A kind's REST coordinates, derived from its definition: structurally the runtime's `Resource`
 * (src/operator/kube/resources.ts), which the API layer does not import.
 */
export interface KindResource {
  readonly group: typeof API_GROUP;
  readonly version: typeof API_VERSION;
  readonly plural: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

export function resourceOf(
  info: Pick<KindInfo, 'kind' | 'plural'> & Partial<Pick<KindInfo, 'scope'>>,
): KindResource {
  return {
    group: API_GROUP,
    version: API_VERSION,
    plural: info.plural,
    kind: info.kind,
    namespaced: info.scope !== 'Cluster',
  };
}
