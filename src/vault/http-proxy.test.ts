import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { staticToken } from './auth.ts';
import { HttpVaultAdapter } from './http.ts';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

describe('HttpVaultAdapter and a proxy named in the environment', () => {
  it('should send its requests through HTTP_PROXY, as node-vault (axios) did', async () => {
    // A forward proxy gets http:// requests in absolute form; this one answers them itself.
    const asked: string[] = [];
    const proxy = createServer((req, res) => {
      asked.push(`${req.url} ${String(req.headers['x-vault-token'])}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { policy: 'via proxy' } }));
    });
    const proxyPort = await listen(proxy);
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = `http://127.0.0.1:${proxyPort}`;
    // Port 9 (discard): nothing answers there; only the proxy can.
    const adapter = new HttpVaultAdapter({
      address: 'http://127.0.0.1:9',
      token: staticToken('t'),
    });
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
    try {
      assert.equal(await adapter.readPolicy('p'), 'via proxy');
      assert.deepEqual(asked, ['http://127.0.0.1:9/v1/sys/policies/acl/p t']);
    } finally {
      await adapter.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
