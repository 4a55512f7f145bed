import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { staticToken } from './auth.ts';
import { VaultRequestError, VaultUnavailableError, type VaultAuthFailure } from './errors.ts';
import { HttpVaultAdapter } from './http.ts';

interface Seen {
  method: string;
  url: string;
  token: string | undefined;
  body: string;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> } | 'never';

/** A stand-in for Vault on loopback: answers each `METHOD /url` from a table, records requests. */
class TinyVault {
  readonly seen: Seen[] = [];
  connections = 0;
  readonly #answers: Record<string, Answer>;
  readonly #server: Server;

  constructor(answers: Record<string, Answer>) {
    this.#answers = answers;
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on('connection', () => this.connections++);
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  }

  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    const token = req.headers['x-vault-token'];
    this.seen.push({ method: req.method ?? '', url: req.url ?? '', token: token as string, body });
    const answer = this.#answers[`${req.method} ${req.url}`] ?? {
      status: 404,
      body: { errors: [] },
    };
    if (answer === 'never') return;
    const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  }
}

const meta = { current_version: 1, created_time: 't0', updated_time: 't0', versions: {} };

describe('HttpVaultAdapter against a tiny HTTP server', () => {
  const failures: VaultAuthFailure[] = [];
  const vault = new TinyVault({
    'GET /prefix/v1/sys/policies/acl/p': { status: 200, body: { data: { policy: 'hcl' } } },
    'POST /prefix/v1/sys/policies/acl/p': { status: 204 },
    'DELETE /prefix/v1/sys/policies/acl/gone': { status: 204 },
    'GET /prefix/v1/secret/metadata/a/b': { status: 200, body: { data: meta } },
    'GET /prefix/v1/sys/policies/acl?list=true': {
      status: 200,
      body: { data: { keys: ['z', 'a'] } },
    },
    'GET /prefix/v1/sys/policies/acl/denied': {
      status: 403,
      body: { errors: ['permission denied'] },
    },
    'GET /prefix/v1/sys/policies/acl/sealed': {
      status: 503,
      body: { errors: ['Vault is sealed'] },
    },
    'POST /prefix/v1/auth/k8s/login': { status: 400, body: { errors: ['invalid role name'] } },
    'GET /prefix/v1/sys/policies/acl/moved': {
      status: 307,
      headers: { location: '/prefix/v1/sys/policies/acl/p' },
    },
  });
  let adapter: HttpVaultAdapter;

  before(async () => {
    const address = `${await vault.start()}/prefix/`;
    const onAuthFailure = (kind: VaultAuthFailure) => void failures.push(kind);
    adapter = new HttpVaultAdapter({ address, token: staticToken('s.tok'), onAuthFailure });
  });
  after(async () => {
    await adapter.close();
    await vault.stop();
  });

  it('should read the data of an answer, sending the token under the address path', async () => {
    assert.equal(await adapter.readPolicy('p'), 'hcl');
    assert.deepEqual(vault.seen.at(-1), {
      method: 'GET',
      url: '/prefix/v1/sys/policies/acl/p',
      token: 's.tok',
      body: '',
    });
  });

  it('should send a write as JSON and accept a 204 without a body', async () => {
    await adapter.writePolicy('p', 'path "x" {}');
    assert.deepEqual(JSON.parse(vault.seen.at(-1)!.body), { policy: 'path "x" {}' });
    await adapter.deletePolicy('gone');
  });

  it('should answer a read of an absent path with undefined', async () => {
    assert.equal(await adapter.kvMetadata('secret/absent'), undefined);
    assert.equal((await adapter.kvMetadata('secret/a/b'))?.currentVersion, 1);
  });

  it('should succeed deleting what is already absent', async () => {
    await adapter.delete('sys/policies/acl/never-was');
  });

  it('should refuse a write Vault does not know (404 where none was expected)', async () => {
    await assert.rejects(adapter.write({ path: 'nope', body: {} }), (error: unknown) => {
      assert.ok(error instanceof VaultRequestError);
      assert.equal(error.status, 404);
      return true;
    });
  });

  it('should list with ?list=true, sorted, and an absent folder as empty', async () => {
    assert.deepEqual(await adapter.list('sys/policies/acl'), ['a', 'z']);
    assert.deepEqual(await adapter.list('secret/metadata/none/'), []);
    assert.deepEqual(await adapter.listAccessors(), []);
  });

  it("should refuse a 403 with Vault's error text, counted as permission_denied", async () => {
    failures.length = 0;
    await assert.rejects(
      adapter.readPolicy('denied'),
      new VaultRequestError('GET sys/policies/acl/denied', 403, 'permission denied'),
    );
    assert.deepEqual(failures, ['permission_denied']);
  });

  it('should log in without a token, and count a refused login', async () => {
    failures.length = 0;
    await assert.rejects(adapter.kubernetesLogin('k8s', 'r', 'jwt'), /400: invalid role name/);
    assert.equal(vault.seen.at(-1)?.token, undefined);
    assert.deepEqual(JSON.parse(vault.seen.at(-1)!.body), { role: 'r', jwt: 'jwt' });
    assert.deepEqual(failures, ['login']);
  });

  it('should call a sealed Vault unavailable, not counted as an auth failure', async () => {
    failures.length = 0;
    await assert.rejects(adapter.readPolicy('sealed'), (error: unknown) => {
      assert.ok(error instanceof VaultUnavailableError);
      assert.match(error.message, /: unavailable: 503: Vault is sealed$/);
      return true;
    });
    assert.deepEqual(failures, []);
  });

  it('should follow a redirect (a standby pointing at the active node), token and all', async () => {
    assert.equal(await adapter.readPolicy('moved'), 'hcl');
    assert.equal(vault.seen.at(-1)?.token, 's.tok');
  });

  it(
    'should read every answer to its end, so one kept-alive connection carries them all',
    { timeout: 60_000 },
    async () => {
      // Bodies past undici's buffer (64 KiB): one left unread would hold its connection.
      const padding = 'x'.repeat(100_000);
      const one = new TinyVault({
        'GET /v1/sys/policies/acl/absent': { status: 404, body: { errors: [], padding } },
        'GET /v1/sys/policies/acl/p': { status: 200, body: { data: { policy: 'hcl' }, padding } },
        'POST /v1/sys/policies/acl/p': { status: 204 },
        'GET /v1/sys/policies/acl/sealed': { status: 503, body: { errors: ['sealed'] } },
      });
      const reuse = new HttpVaultAdapter({ address: await one.start(), token: staticToken('x') });
      // undici frees a connection a moment after the body ends: a turn of the loop between calls.
      const settle = () => new Promise((resolve) => setImmediate(resolve));
      try {
        for (const call of [
          () => reuse.readPolicy('p'),
          () => reuse.writePolicy('p', 'hcl'),
          () => reuse.readPolicy('absent'),
          () => reuse.list('sys/policies/acl'),
          () => reuse.write({ path: 'nope', body: {} }),
          () => reuse.readPolicy('sealed'),
        ]) {
          await call().catch(() => undefined);
          await settle();
        }
        assert.deepEqual([one.seen.length, one.connections], [6, 1]);
      } finally {
        await one.stop();
        await reuse.close();
      }
    },
  );
});

describe('HttpVaultAdapter and a standby Vault', () => {
  it('should follow a 307 to the active node with the method, body and token', async () => {
    const active = new TinyVault({
      'POST /v1/secret/data/a/b': {
        status: 200,
        body: { data: { version: 3, created_time: 't' } },
      },
    });
    const activeAddress = await active.start();
    const standby = new TinyVault({
      'POST /v1/secret/data/a/b': {
        status: 307,
        headers: { location: `${activeAddress}/v1/secret/data/a/b` },
      },
    });
    const adapter = new HttpVaultAdapter({
      address: await standby.start(),
      token: staticToken('t'),
    });
    try {
      assert.deepEqual(await adapter.kvWrite('secret/a/b', { k: 'v' }), {
        version: 3,
        createdTime: 't',
      });
      assert.deepEqual(active.seen, [
        { method: 'POST', url: '/v1/secret/data/a/b', token: 't', body: '{"data":{"k":"v"}}' },
      ]);
    } finally {
      await adapter.close();
      await Promise.all([active.stop(), standby.stop()]);
    }
  });
});

describe('HttpVaultAdapter when Vault does not answer', () => {
  it('should call a refused connection unavailable, naming ECONNREFUSED', async () => {
    const vault = new TinyVault({});
    const address = await vault.start();
    await vault.stop();
    const adapter = new HttpVaultAdapter({ address, token: staticToken('x') });
    await assert.rejects(adapter.kvRead('secret/any/thing'), (error: unknown) => {
      assert.ok(error instanceof VaultUnavailableError);
      assert.match(
        error.message,
        /^vault GET secret\/data\/any\/thing: unavailable: ECONNREFUSED: /,
      );
      return true;
    });
  });

  it('should give up on a Vault that never answers once the deadline passed', async () => {
    const vault = new TinyVault({ 'GET /v1/sys/policies/acl/p': 'never' });
    const adapter = new HttpVaultAdapter({
      address: await vault.start(),
      token: staticToken('x'),
      timeoutMs: 200,
    });
    try {
      await assert.rejects(adapter.readPolicy('p'), /unavailable: UND_ERR_HEADERS_TIMEOUT: /);
      assert.equal(vault.seen.length, 1);
    } finally {
      await adapter.close();
      await vault.stop();
    }
  });

  it('should send nothing when the token source fails, and count nothing', async () => {
    const vault = new TinyVault({});
    const failures: VaultAuthFailure[] = [];
    const adapter = new HttpVaultAdapter({
      address: await vault.start(),
      token: () => Promise.reject(new VaultRequestError('POST auth/k/login', 403, 'denied')),
      onAuthFailure: (kind) => void failures.push(kind),
    });
    try {
      await assert.rejects(adapter.readPolicy('p'), VaultRequestError);
      assert.deepEqual([vault.seen.length, failures.length], [0, 0]);
    } finally {
      await adapter.close();
      await vault.stop();
    }
  });
});
