import { isDeepStrictEqual } from 'node:util';
import type { Change } from '../../operator/informer/store.ts';
import type { KubeObject } from '../../operator/kube/types.ts';

/**
 * Which watch events are worth a reconcile. Most updates a controller sees are status writes
 * (its own, or the Deployment controller's), and each one queued a full reconcile: gather from
 * Vault, decide, compare. Level-based reconciles need every change of what they read, not every
 * event, so an update that touched only status is dropped where status is not read.
 */

/** The object as far as its spec and metadata go: status and the apiserver's bookkeeping out. */
function withoutStatus(object: KubeObject): unknown {
  const metadata = { ...object.metadata, resourceVersion: undefined, managedFields: undefined };
  return { ...object, status: undefined, metadata };
}

/**
 * The informer hands one Change to every handler, and several ask this of it (the controller,
 * its peers' mapping, both namespace controllers): the deep comparison is made once.
 */
const seen = new WeakMap<Change<KubeObject>, boolean>();

/** An update that changed nothing but status (or the resourceVersion): adds and deletes never are. */
export function statusOnly(change: Change<KubeObject>): boolean {
  if (change.type !== 'update' || !change.old) return false;
  let only = seen.get(change);
  if (only === undefined) {
    only = isDeepStrictEqual(withoutStatus(change.old), withoutStatus(change.object));
    seen.set(change, only);
  }
  return only;
}
