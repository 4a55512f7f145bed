/**
 * `posture status` as a pure function: posture CRs in, table text out. Kept apart from the
 * client so the wording of every state is unit-tested without a cluster.
 */

export interface ConditionLike {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

export interface StatusObject {
  kind: string;
  metadata: { name: string; namespace?: string; generation?: number };
  status?: { observedGeneration?: number; conditions?: ConditionLike[] };
}

export interface StatusRow {
  kind: string;
  namespace: string;
  name: string;
  ready: string;
  reason: string;
  conditions: string;
  message: string;
}

const NOT_RECONCILED = {
  ready: 'Unknown',
  reason: 'NotReconciled',
  message: 'no status yet: is the posture operator running?',
};

/** A status written for an older generation says nothing about the current spec. */
function stale(object: StatusObject): boolean {
  const { generation } = object.metadata;
  const observed = object.status?.observedGeneration;
  return generation !== undefined && observed !== undefined && observed < generation;
}

export function statusRow(object: StatusObject): StatusRow {
  const base = {
    kind: object.kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
  };
  const conditions = object.status?.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (!ready) return { ...base, ...NOT_RECONCILED, conditions: '' };
  const summary = conditions.map((c) => `${c.type}=${c.status}`).join(',');
  if (stale(object)) {
    const message = `status is for generation ${object.status?.observedGeneration}, spec is at ${object.metadata.generation}: reconcile pending`;
    return { ...base, ready: 'Unknown', reason: 'Stale', conditions: summary, message };
  }
  return {
    ...base,
    ready: ready.status,
    reason: ready.reason ?? '',
    conditions: summary,
    message: ready.message ?? '',
  };
}

const HEADERS: Record<keyof StatusRow, string> = {
  kind: 'KIND',
  namespace: 'NAMESPACE',
  name: 'NAME',
  ready: 'READY',
  reason: 'REASON',
  conditions: 'CONDITIONS',
  message: 'MESSAGE',
};
const COLUMNS = Object.keys(HEADERS) as (keyof StatusRow)[];

/** Rows sorted by kind, namespace, name; columns padded like `kubectl get`. */
export function formatStatusTable(objects: readonly StatusObject[]): string {
  const rows = objects
    .map(statusRow)
    .sort((a, b) =>
      `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`),
    );
  if (rows.length === 0) return 'no posture resources found\n';
  const table = [HEADERS, ...rows];
  const widths = COLUMNS.map((c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: StatusRow): string =>
    COLUMNS.map((c, i) => (i === COLUMNS.length - 1 ? r[c] : r[c].padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return `${table.map(line).join('\n')}\n`;
}
