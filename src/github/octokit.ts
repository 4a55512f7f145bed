import { Octokit } from '@octokit/rest';
import { errorReasons, GitHubRefusedError } from './errors.ts';
import type {
  CommitInfo,
  FolderCommit,
  GitHubRepo,
  PullRequest,
  PullRequestDraft,
  TreeChange,
  TreeEntry,
} from './repo.ts';
import { DEFAULT_RETRY, withRateLimitRetry, type RetryPolicy } from './retry.ts';

export interface OctokitRepoOptions {
  /** `owner/name`. */
  slug: string;
  /** REST API root: `https://api.github.com` or `https://HOST/api/v3` (see apiBaseUrl). */
  baseUrl: string;
  token: string | undefined;
  retry?: Partial<RetryPolicy>;
  /** Items per page when listing commits; GitHub allows at most 100. */
  pageSize?: number;
}

interface RequestFailure {
  status: number;
  response?: { data?: unknown };
}

function isRequestFailure(error: unknown): error is RequestFailure {
  return typeof (error as Partial<RequestFailure> | undefined)?.status === 'number';
}

/** A 4xx becomes a GitHubRefusedError that says what was asked and GitHub's reasons. */
async function asking<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isRequestFailure(error) || error.status < 400 || error.status >= 500) throw error;
    throw new GitHubRefusedError(action, error.status, errorReasons(error.response?.data));
  }
}

function splitSlug(slug: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(slug);
  if (!match) throw new Error(`--repo ${slug} is not OWNER/NAME`);
  return { owner: match[1]!, repo: match[2]! };
}

interface PullData {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
}

const pull = (data: PullData): PullRequest => ({
  number: data.number,
  url: data.html_url,
  title: data.title,
  body: data.body ?? '',
});

/** GitHubRepo on @octokit/rest, rate limits retried by a request hook. */
export function octokitRepo(options: OctokitRepoOptions): GitHubRepo {
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: 'posture-promote',
    log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
  });
  octokit.hook.wrap('request', (request, endpoint) =>
    withRateLimitRetry(
      `${endpoint.method} ${endpoint.url}`,
      async () => await request(endpoint),
      policy,
    ),
  );
  const at = splitSlug(options.slug);
  const git = octokit.rest.git;
  return {
    slug: options.slug,
    branchHead: (branch) =>
      asking(`read branch ${branch} of ${options.slug}`, async () => {
        try {
          const { data } = await git.getRef({ ...at, ref: `heads/${branch}` });
          return data.object.sha;
        } catch (error) {
          if (isRequestFailure(error) && error.status === 404) return undefined;
          throw error;
        }
      }),
    commit: (sha) =>
      asking(`read commit ${sha}`, async (): Promise<CommitInfo> => {
        const { data } = await git.getCommit({ ...at, commit_sha: sha });
        return { sha: data.sha, tree: data.tree.sha, parents: data.parents.map((p) => p.sha) };
      }),
    tree: (sha, recursive) =>
      asking(`read tree ${sha}`, async (): Promise<TreeEntry[]> => {
        const { data } = await git.getTree({
          ...at,
          tree_sha: sha,
          ...(recursive ? { recursive: 'true' } : {}),
        });
        if (data.truncated) throw new Error(`tree ${sha} is too large for one GitHub answer`);
        return data.tree.map((e) => ({
          path: e.path,
          mode: e.mode,
          type: e.type as TreeEntry['type'],
          sha: e.sha,
        }));
      }),
    blob: (sha) =>
      asking(`read blob ${sha}`, async () => {
        const { data } = await git.getBlob({ ...at, file_sha: sha });
        return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString();
      }),
    createBlob: (content) =>
      asking('create a blob', async () => {
        const encoded = Buffer.from(content).toString('base64');
        const { data } = await git.createBlob({ ...at, content: encoded, encoding: 'base64' });
        return data.sha;
      }),
    createTree: (baseTree, changes: readonly TreeChange[]) =>
      asking(`create a tree on ${baseTree}`, async () => {
        const tree = changes.map((c) => ({
          path: c.path,
          mode: '100644' as const,
          type: 'blob' as const,
          sha: c.sha,
        }));
        const { data } = await git.createTree({ ...at, base_tree: baseTree, tree });
        return data.sha;
      }),
    createCommit: (message, tree, parents) =>
      asking(`create a commit of tree ${tree}`, async () => {
        const { data } = await git.createCommit({ ...at, message, tree, parents: [...parents] });
        return data.sha;
      }),
    createBranch: (branch, sha) =>
      asking(`create branch ${branch} at ${sha}`, async () => {
        await git.createRef({ ...at, ref: `refs/heads/${branch}`, sha });
      }),
    moveBranch: (branch, sha) =>
      asking(`move branch ${branch} to ${sha}`, async () => {
        await git.updateRef({ ...at, ref: `heads/${branch}`, sha, force: true });
      }),
    openPull: (head, base) =>
      asking(`list the open pull requests from ${head} into ${base}`, async () => {
        const { data } = await octokit.rest.pulls.list({
          ...at,
          head: `${at.owner}:${head}`,
          base,
          state: 'open',
        });
        return data[0] ? pull(data[0]) : undefined;
      }),
    createPull: (draft: PullRequestDraft) =>
      asking(`open a pull request from ${draft.head} into ${draft.base}`, async () => {
        const { data } = await octokit.rest.pulls.create({ ...at, ...draft });
        return pull(data);
      }),
    updatePull: (number, change) =>
      asking(`update pull request #${number}`, async () => {
        const { data } = await octokit.rest.pulls.update({ ...at, pull_number: number, ...change });
        return pull(data);
      }),
    commitsTouching: (from, path) =>
      asking(`list the commits from ${from} touching ${path}`, async () => {
        const items = await octokit.paginate(octokit.rest.repos.listCommits, {
          ...at,
          sha: from,
          path,
          per_page: options.pageSize ?? 100,
        });
        return items.map((item): FolderCommit => ({
          sha: item.sha,
          subject: item.commit.message.split('\n')[0] ?? '',
          author: item.commit.author?.name ?? item.author?.login ?? 'unknown',
          verified: item.commit.verification?.verified ?? false,
          reason: item.commit.verification?.reason ?? 'unknown',
        }));
      }),
  };
}
