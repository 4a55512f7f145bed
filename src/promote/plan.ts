import { createHash } from 'node:crypto';
import { parseAllDocuments } from 'yaml';
import { canonicalJson, isRecord } from '../lib/json.ts';
import { compareKeys } from '../lib/yaml.ts';

/**
 * Pure planning for `posture promote`: which gitops files change on the target branch, and which
 * Kubernetes objects those changes add, change or remove, per app folder and kind.
 */

/** The folder of the repository that `posture synth` owns and promote writes. */
export const GITOPS_DIR = 'gitops';

/** The SHA git (and so GitHub) gives a file's content: equal SHA, equal bytes. */
export function gitBlobSha(content: string): string {
  const bytes = Buffer.from(content);
  return createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
}

export type FileChangeKind = 'add' | 'change' | 'delete';

export interface FileChange {
  /** Relative to the gitops folder. */
  path: string;
  kind: FileChangeKind;
  /** The new content's blob SHA; null for a delete. */
  sha: string | null;
}

/**
 * The changes that make the branch's gitops folder (path → blob SHA) hold exactly the rendered
 * files, sorted by path. Empty when it already does.
 */
export function planFiles(
  rendered: ReadonlyMap<string, string>,
  current: ReadonlyMap<string, string>,
): FileChange[] {
  const changes: FileChange[] = [];
  for (const [path, content] of rendered) {
    const sha = gitBlobSha(content);
    const was = current.get(path);
    if (was !== sha) changes.push({ path, kind: was === undefined ? 'add' : 'change', sha });
  }
  for (const path of current.keys()) {
    if (!rendered.has(path)) changes.push({ path, kind: 'delete', sha: null });
  }
  return changes.sort((a, b) => compareKeys(a.path, b.path));
}

export type ObjectChangeKind = 'added' | 'changed' | 'removed';

export interface ObjectChange {
  /** The app folder: `apps/<namespace>/<app>` or `cluster/<group>`. */
  app: string;
  kind: string;
  /** `namespace/name`, or `name` for a cluster-scoped object. */
  name: string;
  change: ObjectChangeKind;
}

interface Parsed {
  kind: string;
  name: string;
  text: string;
}

/** Kubernetes objects in a YAML stream by kind/namespace/name; undefined when not manifests. */
function objectsIn(text: string | undefined): Map<string, Parsed> | undefined {
  const objects = new Map<string, Parsed>();
  if (text === undefined) return objects;
  try {
    for (const doc of parseAllDocuments(text)) {
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) continue;
      const meta = isRecord(value) && isRecord(value['metadata']) ? value['metadata'] : {};
      if (!isRecord(value) || typeof value['kind'] !== 'string') return undefined;
      const name = [meta['namespace'], meta['name']].filter((p) => typeof p === 'string').join('/');
      const kind = value['kind'];
      objects.set(`${kind}/${name}`, { kind, name, text: canonicalJson(value) });
    }
  } catch {
    return undefined;
  }
  return objects;
}

function folderOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '.' : path.slice(0, slash);
}

/**
 * The objects a file change adds, changes or removes; undefined when the file does not hold
 * Kubernetes manifests (review files, the README), which the summary lists as files instead.
 */
export function objectChanges(
  path: string,
  before: string | undefined,
  after: string | undefined,
): ObjectChange[] | undefined {
  if (!path.endsWith('.yaml') || path.startsWith('review/')) return undefined;
  const [old, now] = [objectsIn(before), objectsIn(after)];
  if (!old || !now) return undefined;
  const app = folderOf(path);
  const changes: ObjectChange[] = [];
  for (const [key, object] of now) {
    const was = old.get(key);
    if (!was) changes.push({ app, kind: object.kind, name: object.name, change: 'added' });
    else if (was.text !== object.text) {
      changes.push({ app, kind: object.kind, name: object.name, change: 'changed' });
    }
  }
  for (const [key, object] of old) {
    if (!now.has(key))
      changes.push({ app, kind: object.kind, name: object.name, change: 'removed' });
  }
  return changes;
}

/** The promotion branch of an environment: one per env, so a run updates its own pull request. */
export function promotionBranch(env: string): string {
  return `posture/promote-${env}`;
}

/** An env becomes part of a branch name: letters, digits, `-`, `_` and `.` only. */
export function envProblem(env: string): string | undefined {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(env) && !env.includes('..')
    ? undefined
    : `--env ${JSON.stringify(env)} must be letters, digits, '.', '_' or '-' (it names a branch)`;
}
