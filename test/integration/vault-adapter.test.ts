import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { describe, it } from 'node:test';
import { staticToken } from '../../src/vault/auth.ts';
import { vaultContract } from '../../src/vault/contract.ts';
import { VaultRequestError, VaultUnavailableError } from '../../src/vault/errors.ts';
import { HttpVaultAdapter } from '../../src/vault/http.ts';
import { createMetrics } from '../../src/operator/telemetry/metrics.ts';
import { testEnv } from '../support/env.ts';

function realVault(): { addr: string; token: string } {
  const vault = testEnv().vault;
  if (!vault) throw new Error('the test environment has no Vault: start it with vault enabled');
  return vault;
}

vaultContract('HttpVaultAdapter against Vault dev', () => {
  const { addr, token } = realVault();
  return new HttpVaultAdapter({ address: addr, token: staticToken(token) });
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

describe('Vault adapter failures', () => {
  it('should report a closed port as VaultUnavailable', async () => {
    const server = createServer();
    const port = await listen(server);
    await new Promise((resolve) => server.close(resolve));
    const vault = new HttpVaultAdapter({
      address: `http://127.0.0.1:${port}`,
      token: staticToken('x'),
    });
    await assert.rejects(vault.kvRead('secret/any/thing'), (error: unknown) => {
      assert.ok(error instanceof VaultUnavailableError);
      assert.match(error.message, /ECONNREFUSED/);
      return true;
    });
  });

  it('should give up on a Vault that never answers within the deadline', async () => {
    const sockets: Array<{ destroy(): void }> = [];
    const server = createServer((socket) => void sockets.push(socket));
    const port = await listen(server);
    const vault = new HttpVaultAdapter({
      address: `http://127.0.0.1:${port}`,
      token: staticToken('x'),
      timeoutMs: 300,
    });
    try {
      // Without the deadline this would wait forever: the server holds the connection open.
      await assert.rejects(vault.readPolicy('p'), (error: unknown) => {
        assert.ok(error instanceof VaultUnavailableError);
        assert.match(error.message, /UND_ERR_HEADERS_TIMEOUT/);
        return true;
      });
    } finally {
      sockets.forEach((socket) => socket.destroy());
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('should report a bad token as a terminal refusal', async () => {
    const vault = new HttpVaultAdapter({
      address: realVault().addr,
      token: staticToken('not-a-token'),
    });
    await assert.rejects(vault.readPolicy('default'), (error: unknown) => {
      assert.ok(error instanceof VaultRequestError);
      assert.equal(error.status, 403);
      return true;
    });
  });

  it('should count a 403 and a refused login in posture_vault_auth_failures_total', async () => {
    const metrics = createMetrics();
    const onAuthFailure = (kind: 'login' | 'permission_denied') =>
      metrics.vaultAuthFailures.inc({ kind });
    const { addr } = realVault();
    const denied = new HttpVaultAdapter({
      address: addr,
      token: staticToken('nope'),
      onAuthFailure,
    });
    await assert.rejects(denied.readPolicy('default'), VaultRequestError);
    await assert.rejects(
      denied.kubernetesLogin('kubernetes', 'no-such-role', 'not.a.jwt'),
      VaultRequestError,
    );
    const unreachable = new HttpVaultAdapter({
      address: 'http://127.0.0.1:1',
      token: staticToken('x'),
      onAuthFailure,
    });
    await assert.rejects(unreachable.readPolicy('default'), VaultUnavailableError);
    const text = await metrics.registry.metrics();
    assert.match(text, /posture_vault_auth_failures_total\{kind="permission_denied"\} 1\n/);
    assert.match(text, /posture_vault_auth_failures_total\{kind="login"\} 1\n/);
  });
});
