import { GitHubRefusedError } from '../github/errors.ts';
import type { FolderCommit, GitHubRepo, PullRequest } from '../github/repo.ts';
import { pullText, type PullText } from './body.ts';
import {
  GITOPS_DIR,
  objectChanges,
  planFiles,
  promotionBranch,
  type FileChange,
  type ObjectChange,
} from './plan.ts';

/**
 * `posture promote` as gather → decide → apply: read the target branch's gitops folder and its
 * commit signatures, plan the file changes and the pull request, then write only what differs:
 * no commit when the promotion branch already holds the render on top of the target branch's
 * head, no pull request update when its text is the same.
 */

export interface PromoteRequest {
  repo: GitHubRepo;
  env: string;
  base: string;
  /** The rendered gitops folder: relative path → content. */
  files: ReadonlyMap<string, string>;
  dryRun: boolean;
}

export type Outcome =
  /** The target branch already holds the render. */
  | 'nothing-to-promote'
  /** --dry-run: planned, nothing written. */
  | 'planned'
  /** The promotion branch already held this plan; the pull request is as it should be. */
  | 'up-to-date'
  | 'committed';

export interface PromoteResult {
  outcome: Outcome;
  branch: string;
  baseSha: string;
  files: FileChange[];
  objects: ObjectChange[];
  commits: FolderCommit[];
  text: PullText;
  commit?: string;
  pull?: PullRequest & { action: 'created' | 'updated' | 'unchanged' };
}

/** The gitops folder of a commit: path (relative to gitops/) → blob SHA. */
async function gitopsFolder(repo: GitHubRepo, commitSha: string) {
  const commit = await repo.commit(commitSha);
  const root = await repo.tree(commit.tree, false);
  const folder = root.find((e) => e.path === GITOPS_DIR && e.type === 'tree');
  const entries = folder ? await repo.tree(folder.sha, true) : [];
  const files = new Map(entries.filter((e) => e.type === 'blob').map((e) => [e.path, e.sha]));
  return { commit, files };
}

async function objectsOf(
  repo: GitHubRepo,
  changes: readonly FileChange[],
  current: ReadonlyMap<string, string>,
  rendered: ReadonlyMap<string, string>,
): Promise<Map<string, ObjectChange[] | undefined>> {
  const objects = new Map<string, ObjectChange[] | undefined>();
  for (const change of changes) {
    const was = current.get(change.path);
    const before = was === undefined ? undefined : await repo.blob(was);
    objects.set(change.path, objectChanges(change.path, before, rendered.get(change.path)));
  }
  return objects;
}

/** True when branch is one commit on base's head whose gitops folder is the render. */
async function branchHolds(
  repo: GitHubRepo,
  branchSha: string,
  baseSha: string,
  rendered: ReadonlyMap<string, string>,
): Promise<boolean> {
  const { commit, files } = await gitopsFolder(repo, branchSha);
  const onBase = commit.parents.length === 1 && commit.parents[0] === baseSha;
  return onBase && planFiles(rendered, files).length === 0;
}

async function writeCommit(
  repo: GitHubRepo,
  plan: { files: FileChange[]; rendered: ReadonlyMap<string, string>; baseTree: string },
  message: string,
  parent: string,
): Promise<string> {
  for (const change of plan.files) {
    if (change.sha === null) continue;
    const sha = await repo.createBlob(plan.rendered.get(change.path)!);
    if (sha !== change.sha)
      throw new Error(`GitHub stored ${change.path} as ${sha}, not ${change.sha}`);
  }
  const tree = await repo.createTree(
    plan.baseTree,
    plan.files.map((f) => ({ path: `${GITOPS_DIR}/${f.path}`, sha: f.sha })),
  );
  return repo.createCommit(message, tree, [parent]);
}

type PullOutcome = NonNullable<PromoteResult['pull']>;

async function updateIfDifferent(repo: GitHubRepo, open: PullRequest, text: PullText) {
  if (open.title === text.title && open.body === text.body) {
    return { ...open, action: 'unchanged' } as PullOutcome;
  }
  return { ...(await repo.updatePull(open.number, text)), action: 'updated' } as PullOutcome;
}

/**
 * Opens the pull request, or updates the open one. Two runs at once both see none and both
 * create: GitHub refuses the second with a 422, and that run updates the one the first opened.
 */
async function upsertPull(
  repo: GitHubRepo,
  branch: string,
  base: string,
  text: PullText,
): Promise<PullOutcome> {
  const open = await repo.openPull(branch, base);
  if (open) return updateIfDifferent(repo, open, text);
  try {
    return { ...(await repo.createPull({ head: branch, base, ...text })), action: 'created' };
  } catch (error) {
    const raced = error instanceof GitHubRefusedError && error.status === 422;
    const opened = raced ? await repo.openPull(branch, base) : undefined;
    if (!opened) throw error;
    return updateIfDifferent(repo, opened, text);
  }
}

async function baseHead(repo: GitHubRepo, base: string): Promise<string> {
  const sha = await repo.branchHead(base);
  if (sha !== undefined) return sha;
  // GitHub answers 404 alike for a missing branch, a repository the token cannot read and a
  // wrong API root.
  throw new Error(
    `${repo.slug} has no branch ${base}, or the token cannot read ${repo.slug}, or the API ` +
      'URL is wrong (GitHub answers 404 to all three)',
  );
}

/** Gather and decide: everything a promotion would write, from reads only. */
async function plan(request: PromoteRequest): Promise<PromoteResult & { baseTree: string }> {
  const { repo, base, env } = request;
  const baseSha = await baseHead(repo, base);
  const current = await gitopsFolder(repo, baseSha);
  const files = planFiles(request.files, current.files);
  const objectsByFile = await objectsOf(repo, files, current.files, request.files);
  // By SHA, not name: the signatures are those of the commit the plan is based on.
  const commits = await repo.commitsTouching(baseSha, GITOPS_DIR);
  const text = pullText({ env, base, baseSha, files, objects: objectsByFile, commits });
  return {
    outcome: files.length === 0 ? 'nothing-to-promote' : 'planned',
    branch: promotionBranch(env),
    baseSha,
    baseTree: current.commit.tree,
    files,
    objects: [...objectsByFile.values()].flatMap((o) => o ?? []),
    commits,
    text,
  };
}

export async function promote(request: PromoteRequest): Promise<PromoteResult> {
  const { baseTree, ...planned } = await plan(request);
  if (planned.outcome === 'nothing-to-promote' || request.dryRun) return planned;
  const { repo, base } = request;
  const { branch, baseSha, files, text } = planned;
  const head = await repo.branchHead(branch);
  let outcome: Outcome = 'up-to-date';
  let commit = head;
  if (head === undefined || !(await branchHolds(repo, head, baseSha, request.files))) {
    const message = `${text.title}\n\n${files.length} files in ${GITOPS_DIR}/`;
    commit = await writeCommit(
      repo,
      { files, rendered: request.files, baseTree },
      message,
      baseSha,
    );
    await (head === undefined
      ? repo.createBranch(branch, commit)
      : repo.moveBranch(branch, commit));
    outcome = 'committed';
  }
  const pull = await upsertPull(repo, branch, base, text);
  return { ...planned, outcome, commit: commit!, pull };
}
