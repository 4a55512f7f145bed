import type { Bodies } from './fake-bodies.ts';
import type { FakeStore, StoredPull } from './fake-store.ts';

/** The fake GitHub's operations, by OpenAPI operation id, on the in-memory store. */

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface Context {
  store: FakeStore;
  bodies: Bodies;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

type Handler = (ctx: Context) => Answer;
type Json = Record<string, unknown>;

const notFound = (ctx: Context): Answer => ({
  status: 404,
  body: ctx.bodies.error('Not Found', 404),
});

function unprocessable(ctx: Context, message: string, errors?: unknown[]): Answer {
  return { status: 422, body: ctx.bodies.error(message, 422, errors) };
}

function getRef(ctx: Context): Answer {
  const sha = ctx.store.refs.get(ctx.params['ref']!);
  return sha ? { status: 200, body: ctx.bodies.ref(ctx.params['ref']!, sha) } : notFound(ctx);
}

function createRef(ctx: Context): Answer {
  const { ref, sha } = ctx.body as { ref: string; sha: string };
  const name = ref.replace(/^refs\//, '');
  if (ctx.store.refs.has(name)) return unprocessable(ctx, 'Reference already exists');
  if (!ctx.store.commits.has(sha)) return unprocessable(ctx, 'Object does not exist');
  ctx.store.refs.set(name, sha);
  return { status: 201, body: ctx.bodies.ref(name, sha) };
}

function updateRef(ctx: Context): Answer {
  const name = ctx.params['ref']!;
  const { sha } = ctx.body as { sha: string; force?: boolean };
  if (!ctx.store.refs.has(name)) return unprocessable(ctx, 'Reference does not exist');
  ctx.store.refs.set(name, sha);
  return { status: 200, body: ctx.bodies.ref(name, sha) };
}

function getCommit(ctx: Context): Answer {
  const commit = ctx.store.commits.get(ctx.params['commit_sha']!);
  return commit ? { status: 200, body: ctx.bodies.gitCommit(commit) } : notFound(ctx);
}

function getTree(ctx: Context): Answer {
  const sha = ctx.params['tree_sha']!;
  const entries = ctx.store.trees.get(sha);
  if (!entries) return notFound(ctx);
  const recursive = ctx.query.has('recursive');
  const listed = recursive ? ctx.store.flatten(sha, true) : entries;
  return { status: 200, body: ctx.bodies.tree(sha, listed) };
}

function getBlob(ctx: Context): Answer {
  const sha = ctx.params['file_sha']!;
  const bytes = ctx.store.blobs.get(sha);
  return bytes ? { status: 200, body: ctx.bodies.blob(sha, bytes) } : notFound(ctx);
}

function createBlob(ctx: Context): Answer {
  const { content, encoding } = ctx.body as { content: string; encoding?: string };
  const sha = ctx.store.putBlob(Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'));
  return { status: 201, body: { url: ctx.bodies.url(`git/blobs/${sha}`), sha } };
}

function createTree(ctx: Context): Answer {
  const { base_tree, tree } = ctx.body as {
    base_tree?: string;
    tree: { path: string; sha: string | null }[];
  };
  const files = base_tree ? ctx.store.files(base_tree) : new Map<string, string>();
  for (const entry of tree) {
    if (entry.sha === null) files.delete(entry.path);
    else if (!ctx.store.blobs.has(entry.sha)) return unprocessable(ctx, 'tree.sha is not a blob');
    else files.set(entry.path, entry.sha);
  }
  const sha = ctx.store.putTree(files);
  return { status: 201, body: ctx.bodies.tree(sha, ctx.store.trees.get(sha)!) };
}

function createCommit(ctx: Context): Answer {
  const { message, tree, parents } = ctx.body as {
    message: string;
    tree: string;
    parents: string[];
  };
  const sha = ctx.store.putCommit({
    tree,
    parents,
    message,
    author: 'posture',
    verified: false,
    reason: 'unsigned',
  });
  return { status: 201, body: ctx.bodies.gitCommit(ctx.store.commits.get(sha)!) };
}

function listPulls(ctx: Context): Answer {
  const head = ctx.query.get('head')?.split(':')[1];
  const base = ctx.query.get('base');
  const state = ctx.query.get('state') ?? 'open';
  const pulls = ctx.store.pulls.filter(
    (p) => (!head || p.head === head) && (!base || p.base === base) && p.state === state,
  );
  return { status: 200, body: pulls.map((p) => ctx.bodies.pull(p, 'pull-request-simple')) };
}

function createPull(ctx: Context): Answer {
  const draft = ctx.body as { title: string; head: string; base: string; body?: string };
  const open = ctx.store.pulls.find(
    (p) => p.state === 'open' && p.head === draft.head && p.base === draft.base,
  );
  if (open) {
    const owner = ctx.params['owner']!;
    const message = `A pull request already exists for ${owner}:${draft.head}.`;
    return unprocessable(ctx, 'Validation Failed', [
      { resource: 'PullRequest', code: 'custom', message },
    ]);
  }
  if (!ctx.store.refs.has(`heads/${draft.head}`)) {
    return unprocessable(ctx, 'Validation Failed', [
      { resource: 'PullRequest', field: 'head', code: 'invalid' },
    ]);
  }
  const pull: StoredPull = {
    number: ctx.store.pulls.length + 1,
    state: 'open',
    body: '',
    ...draft,
  };
  ctx.store.pulls.push(pull);
  return { status: 201, body: ctx.bodies.pull(pull, 'pull-request') };
}

function updatePull(ctx: Context): Answer {
  const pull = ctx.store.pulls.find((p) => p.number === Number(ctx.params['pull_number']));
  if (!pull) return notFound(ctx);
  Object.assign(pull, ctx.body as Json);
  return { status: 200, body: ctx.bodies.pull(pull, 'pull-request') };
}

/** Pages like GitHub: `per_page`/`page`, and a Link header with next and last. */
function listCommits(ctx: Context): Answer {
  const sha = ctx.store.refs.get(`heads/${ctx.query.get('sha')}`) ?? ctx.query.get('sha') ?? '';
  const all = ctx.store.touching(sha, ctx.query.get('path') ?? '');
  const perPage = Number(ctx.query.get('per_page') ?? 30);
  const page = Number(ctx.query.get('page') ?? 1);
  const items = all.slice((page - 1) * perPage, page * perPage);
  const last = Math.max(1, Math.ceil(all.length / perPage));
  const link = (n: number, rel: string) => {
    const query = new URLSearchParams(ctx.query);
    query.set('page', String(n));
    return `<${ctx.bodies.url(`commits?${query.toString()}`)}>; rel="${rel}"`;
  };
  const links = page < last ? [link(page + 1, 'next'), link(last, 'last')] : [];
  return {
    status: 200,
    body: items.map((c) => ctx.bodies.listedCommit(c)),
    headers: links.length > 0 ? { link: links.join(', ') } : {},
  };
}

export const handlers: Record<string, Handler> = {
  'git/get-ref': getRef,
  'git/create-ref': createRef,
  'git/update-ref': updateRef,
  'git/get-commit': getCommit,
  'git/get-tree': getTree,
  'git/get-blob': getBlob,
  'git/create-blob': createBlob,
  'git/create-tree': createTree,
  'git/create-commit': createCommit,
  'pulls/list': listPulls,
  'pulls/create': createPull,
  'pulls/update': updatePull,
  'repos/list-commits': listCommits,
  'git/delete-ref': notFound,
  'pulls/get': notFound,
};
