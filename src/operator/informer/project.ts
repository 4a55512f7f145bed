import type { KubeObject } from '../kube/types.ts';

/**
 * The part of an object one field manager owns, read from its managedFields (fieldsV1): what
 * server-side apply would compare for that manager. An informer that only ever compares the
 * objects it applied needs no more: Kubernetes' defaults (a Deployment's pod template is mostly
 * defaults) and other managers' fields are left out of the cache.
 *
 * fieldsV1 is a tree: `f:<name>` a field of a map, `k:<json>` the item of an associative list
 * with those key fields, `v:<json>` a set item, `i:<n>` a list index, `.` the node itself; an
 * empty tree owns the value whole (a leaf, or an atomic map or list).
 */

type Tree = Record<string, unknown>;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every fieldsV1 tree the manager has on the main resource, merged. */
function ownedTree(object: KubeObject, manager: string): Tree | undefined {
  const entries = (object.metadata.managedFields ?? []).filter(
    (e): e is { manager: string; fieldsV1?: Tree; subresource?: string } =>
      isRecord(e) && e['manager'] === manager && !e['subresource'],
  );
  if (entries.length === 0) return undefined;
  return entries.reduce<Tree>((into, e) => merge(into, e.fieldsV1 ?? {}), {});
}

function merge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b))
    out[k] = isRecord(out[k]) && isRecord(v) ? merge(out[k], v) : v;
  return out;
}

const children = (tree: Tree) => Object.keys(tree).filter((k) => k !== '.');

function projectMap(value: Record<string, unknown>, tree: Tree): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of children(tree)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    if (name in value) out[name] = projectValue(value[name], tree[key] as Tree);
  }
  return out;
}

/** A test for the list item a fieldsV1 key names: `k:` its key fields, `v:` its value, `i:` its index. */
function itemTest(key: string): (item: unknown, index: number) => boolean {
  const body = key.slice(2);
  if (key.startsWith('k:')) {
    // Parsed once per list, not once per item it is tried on.
    const fields = Object.entries(JSON.parse(body) as Record<string, unknown>).map(
      ([k, v]) => [k, JSON.stringify(v)] as const,
    );
    return (item) => isRecord(item) && fields.every(([k, v]) => JSON.stringify(item[k]) === v);
  }
  if (key.startsWith('v:')) return (item) => JSON.stringify(item) === body;
  if (key.startsWith('i:')) return (_item, index) => `${index}` === body;
  return () => false;
}

function projectList(list: unknown[], tree: Tree): unknown[] {
  const owners = children(tree).map((key) => ({ tree: tree[key] as Tree, owns: itemTest(key) }));
  const out: unknown[] = [];
  list.forEach((item, i) => {
    const owner = owners.find((o) => o.owns(item, i));
    if (owner) out.push(projectValue(item, owner.tree));
  });
  return out;
}

function projectValue(value: unknown, tree: Tree): unknown {
  if (children(tree).length === 0) return value;
  if (Array.isArray(value)) return projectList(value, tree);
  if (isRecord(value)) return projectMap(value, tree);
  return value;
}

/** What every cached object keeps whoever owns it: identity, ownership and deletion. */
const IDENTITY = [
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
] as const;

/**
 * The object as `manager` owns it, plus its identity metadata and, if `keepStatus`, its status.
 * An object the manager never applied keeps its identity only: comparing a desired object
 * with it finds a difference, and applying makes the manager its owner. One without
 * managedFields is kept whole.
 */
export function projectOwned<T extends KubeObject>(
  object: T,
  manager: string,
  options: { keepStatus?: boolean } = {},
): T {
  // No bookkeeping at all (a fake, or managedFields turned off): nothing says what is whose.
  if (!object.metadata.managedFields) return object;
  const tree = ownedTree(object, manager);
  const owned = tree ? projectMap(object, tree) : {};
  const metadata: Record<string, unknown> = {};
  for (const field of IDENTITY)
    if (object.metadata[field] !== undefined) metadata[field] = object.metadata[field];
  const status = (object as { status?: unknown }).status;
  return {
    ...owned,
    apiVersion: object.apiVersion,
    kind: object.kind,
    metadata,
    ...(options.keepStatus && status !== undefined && { status }),
  } as unknown as T;
}
