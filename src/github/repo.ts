/**
 * What `posture promote` needs from a GitHub repository, and nothing more: read the branch and
 * its gitops tree, write blobs, a tree, a commit and a branch (the Git Data API: one commit for
 * any number of files), find, open or update the one pull request, and list the commits that
 * touched a folder with their signature verification. src/github/octokit.ts implements it on
 * @octokit/rest; tests run it against a fake server that answers like GitHub.
 */

export interface TreeEntry {
  /** Relative to the tree that was read. */
  path: string;
  mode: string;
  type: 'blob' | 'tree' | 'commit';
  sha: string;
}

export interface CommitInfo {
  sha: string;
  tree: string;
  parents: string[];
}

/** A change for createTree: `sha: null` deletes the path. */
export interface TreeChange {
  path: string;
  sha: string | null;
}

export interface PullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
}

export interface PullRequestDraft {
  head: string;
  base: string;
  title: string;
  body: string;
}

export interface FolderCommit {
  sha: string;
  /** First line of the message. */
  subject: string;
  author: string;
  /** `verification.verified`: signed by a key GitHub ties to the author. */
  verified: boolean;
  /** `verification.reason`: `unsigned`, `unknown_key`, `valid`, … */
  reason: string;
}

export interface GitHubRepo {
  /** `owner/name`, for messages. */
  readonly slug: string;
  /** The commit a branch points to; undefined when the branch does not exist. */
  branchHead(branch: string): Promise<string | undefined>;
  commit(sha: string): Promise<CommitInfo>;
  /** Entries of a tree; recursive lists every file below it (refuses a truncated answer). */
  tree(sha: string, recursive: boolean): Promise<TreeEntry[]>;
  /** A blob's content as UTF-8 text. */
  blob(sha: string): Promise<string>;
  createBlob(content: string): Promise<string>;
  createTree(baseTree: string, changes: readonly TreeChange[]): Promise<string>;
  createCommit(message: string, tree: string, parents: readonly string[]): Promise<string>;
  createBranch(branch: string, sha: string): Promise<void>;
  /** Moves a branch to sha even when that is not a fast-forward: the branch is posture's own. */
  moveBranch(branch: string, sha: string): Promise<void>;
  /** The open pull request from head into base, if there is one. */
  openPull(head: string, base: string): Promise<PullRequest | undefined>;
  createPull(draft: PullRequestDraft): Promise<PullRequest>;
  updatePull(number: number, change: { title: string; body: string }): Promise<PullRequest>;
  /** Every commit reachable from `from` (a branch or SHA) that touched path (all pages), newest first. */
  commitsTouching(from: string, path: string): Promise<FolderCommit[]>;
}
