import type { OpenApi } from './openapi.ts';
import { sample } from './sample.ts';
import type { StoredCommit, StoredEntry, StoredPull } from './fake-store.ts';

/**
 * GitHub's response bodies for the fake: a schema sample with the fields that carry meaning
 * set from the store. Anything the schema requires but posture never reads keeps its sample.
 */

type Body = Record<string, unknown>;

export class Bodies {
  readonly #api: OpenApi;
  readonly #root: string;
  readonly #slug: string;
  readonly #samples = new Map<string, string>();

  /** root: the fake's API URL; slug: `owner/name`. */
  constructor(api: OpenApi, root: string, slug: string) {
    this.#api = api;
    this.#root = root;
    this.#slug = slug;
  }

  #sample(schema: string): Body {
    let json = this.#samples.get(schema);
    if (json === undefined) {
      json = JSON.stringify(sample(this.#api, this.#api.schema(schema)));
      this.#samples.set(schema, json);
    }
    return JSON.parse(json) as Body;
  }

  url(path: string): string {
    return `${this.#root}/repos/${this.#slug}/${path}`;
  }

  ref(name: string, sha: string): Body {
    const url = this.url(`git/commits/${sha}`);
    return {
      ...this.#sample('git-ref'),
      ref: `refs/${name}`,
      object: { type: 'commit', sha, url },
    };
  }

  gitCommit(c: StoredCommit): Body {
    const who = { name: c.author, email: 'seed@example.com', date: '2026-01-01T00:00:00Z' };
    return {
      ...this.#sample('git-commit'),
      sha: c.sha,
      url: this.url(`git/commits/${c.sha}`),
      author: who,
      committer: who,
      message: c.message,
      tree: { sha: c.tree, url: this.url(`git/trees/${c.tree}`) },
      parents: c.parents.map((sha) => ({
        sha,
        url: this.url(`git/commits/${sha}`),
        html_url: sha,
      })),
      verification: this.#verification(c),
    };
  }

  #verification(c: StoredCommit): Body {
    return {
      verified: c.verified,
      reason: c.reason,
      signature: null,
      payload: null,
      verified_at: null,
    };
  }

  tree(sha: string, entries: readonly StoredEntry[]): Body {
    const tree = entries.map((e) => ({ ...e, url: this.url(`git/${e.type}s/${e.sha}`) }));
    return { sha, url: this.url(`git/trees/${sha}`), tree, truncated: false };
  }

  blob(sha: string, bytes: Buffer): Body {
    return {
      ...this.#sample('blob'),
      sha,
      url: this.url(`git/blobs/${sha}`),
      size: bytes.length,
      content: bytes.toString('base64'),
      encoding: 'base64',
    };
  }

  /** An item of list-commits: the full `commit` schema with its verification. */
  listedCommit(c: StoredCommit): Body {
    const body = this.#sample('commit');
    const inner = body['commit'] as Body;
    const who = { name: c.author, email: 'seed@example.com', date: '2026-01-01T00:00:00Z' };
    return {
      ...body,
      sha: c.sha,
      url: this.url(`commits/${c.sha}`),
      commit: { ...inner, message: c.message, author: who, verification: this.#verification(c) },
      parents: c.parents.map((sha) => ({ sha, url: this.url(`commits/${sha}`) })),
    };
  }

  /** A pull request: `pull-request` for create/update, `pull-request-simple` in a list. */
  pull(p: StoredPull, schema: 'pull-request' | 'pull-request-simple'): Body {
    const body = this.#sample(schema);
    const side = (ref: string) => ({
      ...(body['head'] as Body),
      label: `${this.#slug.split('/')[0]}:${ref}`,
      ref,
    });
    return {
      ...body,
      number: p.number,
      title: p.title,
      body: p.body,
      state: p.state,
      html_url: `${this.#root.replace(/\/api\/v3$/, '')}/${this.#slug}/pull/${p.number}`,
      head: side(p.head),
      base: side(p.base),
    };
  }

  error(message: string, status: number, errors?: unknown[]): Body {
    const documentation_url = 'https://docs.github.com/rest';
    return { message, documentation_url, status: String(status), ...(errors ? { errors } : {}) };
  }
}
