import { createHash } from 'node:crypto';

/**
 * The in-memory repository behind the fake GitHub: blobs with git's own SHAs (the adapter's
 * user compares them with SHAs it computes), nested trees, commits, refs and pull requests.
 * Tree and commit SHAs are hashes of their JSON, not git's encoding: nothing outside the fake
 * computes those.
 */

export interface StoredEntry {
  path: string;
  mode: string;
  type: 'blob' | 'tree';
  sha: string;
}

export interface StoredCommit {
  sha: string;
  tree: string;
  parents: string[];
  message: string;
  author: string;
  verified: boolean;
  reason: string;
}

export interface StoredPull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed';
}

const hash = (text: string) => createHash('sha1').update(text).digest('hex');

export class FakeStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, StoredEntry[]>();
  readonly commits = new Map<string, StoredCommit>();
  /** `heads/main` → commit SHA. */
  readonly refs = new Map<string, string>();
  readonly pulls: StoredPull[] = [];

  putBlob(bytes: Buffer): string {
    const sha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    this.blobs.set(sha, bytes);
    return sha;
  }

  /** Stores the nested trees for path → blob SHA; the root tree's SHA. */
  putTree(files: ReadonlyMap<string, string>): string {
    const here = new Map<string, StoredEntry>();
    const below = new Map<string, Map<string, string>>();
    for (const [path, sha] of files) {
      const [head, ...rest] = path.split('/');
      if (rest.length === 0) {
        here.set(head!, { path: head!, mode: '100644', type: 'blob', sha });
        continue;
      }
      const sub = below.get(head!) ?? new Map<string, string>();
      sub.set(rest.join('/'), sha);
      below.set(head!, sub);
    }
    for (const [name, sub] of below) {
      here.set(name, { path: name, mode: '040000', type: 'tree', sha: this.putTree(sub) });
    }
    const entries = [...here.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
    const sha = hash(`tree ${JSON.stringify(entries)}`);
    this.trees.set(sha, entries);
    return sha;
  }

  /** Every entry below a tree, paths relative to it; trees themselves included when asked. */
  flatten(treeSha: string, withTrees = false, prefix = ''): StoredEntry[] {
    const out: StoredEntry[] = [];
    for (const entry of this.trees.get(treeSha) ?? []) {
      const path = `${prefix}${entry.path}`;
      if (entry.type === 'blob' || withTrees) out.push({ ...entry, path });
      if (entry.type === 'tree') out.push(...this.flatten(entry.sha, withTrees, `${path}/`));
    }
    return out;
  }

  files(treeSha: string): Map<string, string> {
    return new Map(this.flatten(treeSha).map((e) => [e.path, e.sha]));
  }

  putCommit(commit: Omit<StoredCommit, 'sha'>): string {
    const sha = hash(`commit ${JSON.stringify(commit)}`);
    this.commits.set(sha, { ...commit, sha });
    return sha;
  }

  /**
   * Seeds a branch with a history: each step sets (string) or deletes (null) files and commits
   * with its signature state.
   */
  seedBranch(
    branch: string,
    steps: readonly {
      message: string;
      files: Record<string, string | null>;
      verified: boolean;
    }[],
  ): string {
    let parent = this.refs.get(`heads/${branch}`);
    for (const step of steps) {
      const files = parent ? this.files(this.commits.get(parent)!.tree) : new Map<string, string>();
      for (const [path, content] of Object.entries(step.files)) {
        if (content === null) files.delete(path);
        else files.set(path, this.putBlob(Buffer.from(content)));
      }
      parent = this.putCommit({
        tree: this.putTree(files),
        parents: parent ? [parent] : [],
        message: step.message,
        author: 'Seed Author',
        verified: step.verified,
        reason: step.verified ? 'valid' : 'unsigned',
      });
    }
    this.refs.set(`heads/${branch}`, parent!);
    return parent!;
  }

  /** First-parent history from sha whose files under folder differ from the parent's. */
  touching(sha: string, folder: string): StoredCommit[] {
    const out: StoredCommit[] = [];
    const under = (tree: string) =>
      JSON.stringify([...this.files(tree)].filter(([p]) => p.startsWith(`${folder}/`)));
    for (let at = this.commits.get(sha); at;) {
      const parent = at.parents[0] ? this.commits.get(at.parents[0]) : undefined;
      if (under(at.tree) !== (parent ? under(parent.tree) : '[]')) out.push(at);
      at = parent;
    }
    return out;
  }
}
