import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createSecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { ExecCredentialSource } from './exec-plugin.ts';
import { Transport } from './transport.ts';
import { scratchDir } from '../../lib/testing/scratch.ts';

/*
 * A request aborted before its own end was flushed must not leave anything behind that can
 * crash the process later: over HTTP/2 the apiserver still answered it, node made the answer a
 * stream no one listened to, and whatever ended the connection then raised an uncaught
 * "socket idle timeout", "other side closed" or "client is destroyed" (see Transport).
 */

/** A self-signed certificate for 127.0.0.1 (openssl, as on every CI runner and dev machine). */
function selfSigned(commonName = '127.0.0.1'): { key: string; cert: string } {
  const dir = scratchDir('posture-transport-');
  try {
    const [keyFile, certFile] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    const options = 'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1';
    const subject = ['-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=IP:127.0.0.1'];
    const files = ['-keyout', keyFile, '-out', certFile];
    execFileSync('openssl', [...options.split(' '), ...subject, ...files], { stdio: 'ignore' });
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } catch (error) {
    throw new Error('this test needs openssl on the PATH to make a TLS certificate', {
      cause: error,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** HTTPS with HTTP/2 and HTTP/1.1, as kube-apiserver serves it; it can drop its connections. */
async function startServer(tls: { key: string; cert: string }): Promise<{
  url: string;
  dropConnections: () => void;
  close: () => Promise<void>;
}> {
  const sockets = new Set<Socket>();
  const server = createSecureServer({ ...tls, allowHTTP1: true }, (_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Lease', padding: 'x'.repeat(1000) }));
  });
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dropConnections = (): void => {
    for (const socket of sockets) socket.destroy();
  };
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    dropConnections,
    close: async () => {
      dropConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** undici's diagnostics channel for a request about to be written, HTTP/1.1 or HTTP/2. */
const SEND_HEADERS = 'undici:client:sendHeaders';
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('Transport', () => {
  const tls = selfSigned();
  let server: Awaited<ReturnType<typeof startServer>>;

  before(async () => {
    server = await startServer(tls);
  });
  after(async () => {
    await server.close();
  });

  /** How the connection that carried the aborted request ends. */
  const endings: { name: string; end: (transport: Transport) => Promise<void> }[] = [
    { name: 'the apiserver drops it', end: () => Promise.resolve(server.dropConnections()) },
    // undici's keep-alive timeout (4 s) closes a connection with no request on it.
    { name: 'it stays idle past the keep-alive timeout', end: () => sleep(5000) },
    {
      name: 'the pool is replaced after a deadline',
      end: (transport) => Promise.resolve(transport.resetConnections()),
    },
  ];

  for (const { name, end } of endings) {
    it(`should survive the answer to an aborted request when ${name}`, async () => {
      const transport = new Transport({ server: server.url, tls: { ca: tls.cert } }, 5000);
      const escaped: unknown[] = [];
      const record = (error: unknown): void => void escaped.push(error);
      process.on('uncaughtException', record);
      process.on('unhandledRejection', record);
      const abort = new AbortController();
      // Abort the moment the request is handed to its connection, before it is even written:
      // a deadline on a busy event loop, or a shutdown, can fall there.
      const onSend = (message: unknown): void => {
        const { request } = message as { request: { path: string } };
        if (request.path === '/aborted') queueMicrotask(() => abort.abort());
      };
      subscribe(SEND_HEADERS, onSend);
      try {
        await transport.json({ verb: 'get', method: 'GET', path: '/warm-up' });
        const aborted = await transport
          .send({ verb: 'get', method: 'GET', path: '/aborted', signal: abort.signal })
          .then(
            () => undefined,
            (error: unknown) => error,
          );
        assert.ok(aborted instanceof Error, 'the aborted request fails');
        await sleep(200); // the server answers it anyway
        await end(transport);
        await sleep(200);
        assert.deepEqual(escaped, [], 'no transport error escaped as uncaught');
        await transport.json({ verb: 'get', method: 'GET', path: '/after' });
      } finally {
        unsubscribe(SEND_HEADERS, onSend);
        process.off('uncaughtException', record);
        process.off('unhandledRejection', record);
      }
    });
  }
});

/** An apiserver that knows one token, `good`, and tells which client certificate it saw. */
async function startAuthServer(tls: { key: string; cert: string }) {
  const server = createSecureServer(
    { ...tls, allowHTTP1: true, requestCert: true, rejectUnauthorized: false },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      const client = peer?.subject?.CN;
      if (request.headers.authorization !== 'Bearer good' && !client) {
        response.writeHead(401, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ kind: 'Status', code: 401, reason: 'Unauthorized' }));
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ client }));
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** A credential plugin (the real cache, a fake process) answering `statuses` in turn. */
function plugin(statuses: Record<string, string>[]) {
  let now = 0;
  let runs = 0;
  const source = new ExecCredentialSource({
    where: 'test: users[u].user.exec',
    config: {
      command: 'login',
      args: [],
      env: {},
      apiVersion: 'client.authentication.k8s.io/v1',
      interactiveMode: 'Never',
      provideClusterInfo: false,
    },
    now: () => now,
    stdinIsTTY: () => false,
    run: () => {
      const status = statuses[Math.min(runs, statuses.length - 1)];
      runs += 1;
      const credential = { apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential' };
      return Promise.resolve(JSON.stringify({ ...credential, status }));
    },
  });
  return { source, runs: () => runs, advance: (ms: number) => (now += ms) };
}

describe('Transport with a credential plugin', () => {
  const tls = selfSigned();
  let server: Awaited<ReturnType<typeof startAuthServer>>;
  const get = { verb: 'get', method: 'GET', path: '/api' } as const;

  before(async () => {
    server = await startAuthServer(tls);
  });
  after(async () => {
    await server.close();
  });

  const transportFor = (source: ExecCredentialSource) =>
    new Transport({ server: server.url, tls: { ca: tls.cert }, plugin: source }, 5000);

  it('should run the plugin again and resend once when the apiserver refuses its token', async () => {
    const login = plugin([{ token: 'revoked' }, { token: 'good' }]);
    const transport = transportFor(login.source);
    assert.deepEqual(await transport.json(get), {});
    assert.equal(login.runs(), 2);
    assert.deepEqual(transport.counts(), { get: 1 }, 'one request for the caller');
    await transport.json(get);
    assert.equal(login.runs(), 2, 'the new token is cached');
  });

  it('should give a second 401 to the caller rather than run the plugin in a loop', async () => {
    const login = plugin([{ token: 'revoked' }]);
    await assert.rejects(transportFor(login.source).json(get), /get \/api: 401 Unauthorized/);
    assert.equal(login.runs(), 2);
  });

  it('should present the plugin client certificate, and its next one on new connections', async () => {
    const [alice, bob] = [selfSigned('alice'), selfSigned('bob')];
    const expires = new Date(60_000).toISOString();
    const login = plugin([
      { clientCertificateData: alice.cert, clientKeyData: alice.key, expirationTimestamp: expires },
      { clientCertificateData: bob.cert, clientKeyData: bob.key },
    ]);
    const transport = transportFor(login.source);
    assert.deepEqual(await transport.json(get), { client: 'alice' });
    login.advance(60_000);
    assert.deepEqual(await transport.json(get), { client: 'bob' });
  });
});
