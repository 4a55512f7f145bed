import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

const VAULT_ENV = { POSTURE_VAULT_ADDR: 'http://127.0.0.1:8200', POSTURE_VAULT_ROLE: 'posture' };

function file(content: string): string {
  const path = join(scratchDir('posture-config-'), 'config.yaml');
  writeFileSync(path, content);
  return path;
}

describe('operator configuration', () => {
  it('should fill defaults around the required Vault settings', () => {
    const config = loadConfig({ env: VAULT_ENV });
    assert.equal(config.workers, 4);
    assert.equal(config.resyncPeriodSeconds, 600);
    assert.equal(config.stallTimeoutSeconds, 60);
    assert.equal(config.heapGrowingPercent, 50);
    assert.deepEqual(config.leaderElection, {
      enabled: true,
      namespace: 'posture-system',
      name: 'posture-operator',
    });
    assert.deepEqual(config.metrics, { port: 8080, host: '0.0.0.0' });
    assert.equal(config.vault.timeoutMs, 5000);
  });

  it('should let env override the file and flags override env', () => {
    const path = file('workers: 2\nmetrics:\n  port: 9000\nleaderElection:\n  enabled: true\n');
    const config = loadConfig({
      argv: ['--config', path, '--workers=8', '--leader-elect=false'],
      env: { ...VAULT_ENV, POSTURE_WORKERS: '6', POSTURE_METRICS_PORT: '9100' },
    });
    assert.equal(config.workers, 8);
    assert.equal(config.metrics.port, 9100);
    assert.equal(config.leaderElection.enabled, false);
  });

  it('should take VAULT_ADDR when POSTURE_VAULT_ADDR is not set', () => {
    const config = loadConfig({
      env: { VAULT_ADDR: 'https://vault:8200', POSTURE_VAULT_TOKEN_FILE: '/t' },
    });
    assert.equal(config.vault.address, 'https://vault:8200');
  });

  it('should log in by role with the ServiceAccount token file it is given', () => {
    const config = loadConfig({
      argv: ['--vault-addr=https://vault:8200', '--vault-role=posture-operator'],
      env: { POSTURE_VAULT_JWT_FILE: '/var/run/secrets/vault/token' },
    });
    assert.equal(config.vault.role, 'posture-operator');
    assert.equal(config.vault.jwtFile, '/var/run/secrets/vault/token');
    assert.equal(config.vault.tokenFile, undefined);
  });

  const rejections = [
    {
      name: 'zero workers, naming the flag and env',
      argv: ['--workers=0'],
      env: VAULT_ENV,
      error: /workers \(flag --workers, env POSTURE_WORKERS\): Too small/,
    },
    {
      name: 'a worker count that is not a number',
      argv: ['--workers=many'],
      env: VAULT_ENV,
      error: /workers .*expected number/,
    },
    {
      name: 'a leader-elect value other than true or false',
      argv: ['--leader-elect=yes'],
      env: VAULT_ENV,
      error: /leaderElection\.enabled .*expected boolean/,
    },
    {
      name: 'a missing Vault address',
      argv: [],
      env: {},
      error:
        /vault\.address \(flag --vault-addr, env POSTURE_VAULT_ADDR or VAULT_ADDR\): .*expected string/,
    },
    {
      name: 'Vault without a token file or role',
      argv: ['--vault-addr=http://v:8200'],
      env: {},
      error: /set vault.tokenFile \(--vault-token-file\) or vault.role/,
    },
    {
      name: 'a Vault address that is not http(s)',
      argv: ['--vault-addr=ftp://v'],
      env: { POSTURE_VAULT_ROLE: 'r' },
      error: /vault\.address \(flag --vault-addr/,
    },
    {
      name: 'a plain-http exchange endpoint off this machine, naming the flag',
      argv: ['--exchange-endpoint=binance=http://api.binance.com'],
      env: VAULT_ENV,
      error:
        /exchange\.endpoints\.binance \(flag --exchange-endpoint, env POSTURE_EXCHANGE_ENDPOINTS\): use an https:\/\/ URL, or http:\/\/ only on loopback/,
    },
    {
      name: 'an exchange endpoint without a name',
      argv: ['--exchange-endpoint=https://api.binance.com'],
      env: VAULT_ENV,
      error: /exchange\.endpoints.*use <exchange>=<url>/,
    },
    {
      name: 'a check interval under a minute',
      argv: ['--exchange-check-interval=10'],
      env: VAULT_ENV,
      error: /exchange\.checkIntervalSeconds \(flag --exchange-check-interval/,
    },
    {
      name: 'an unknown flag',
      argv: ['--wokers=2'],
      env: VAULT_ENV,
      error: /invalid flags: Unknown option '--wokers'/,
    },
  ];
  for (const { name, argv, env, error } of rejections) {
    it(`should reject ${name}`, () => {
      assert.throws(
        () => loadConfig({ argv, env }),
        (thrown: unknown) => {
          assert.ok(thrown instanceof ConfigError);
          assert.match(thrown.message, error);
          return true;
        },
      );
    });
  }

  it('should ask the exchanges daily with a 10 s deadline, at their real hosts, by default', () => {
    assert.deepEqual(loadConfig({ env: VAULT_ENV }).exchange, {
      endpoints: {},
      timeoutMs: 10_000,
      checkIntervalSeconds: 86_400,
    });
  });

  it('should take repeated --exchange-endpoint flags, or a comma-separated env list', () => {
    const flags = loadConfig({
      argv: [
        '--exchange-endpoint=binance=http://127.0.0.1:8081',
        '--exchange-endpoint',
        'bybit=https://api-testnet.bybit.com',
      ],
      env: VAULT_ENV,
    });
    assert.deepEqual(flags.exchange.endpoints, {
      binance: 'http://127.0.0.1:8081',
      bybit: 'https://api-testnet.bybit.com',
    });
    const env = loadConfig({
      env: {
        ...VAULT_ENV,
        POSTURE_EXCHANGE_ENDPOINTS: 'binance=http://[::1]:9,bybit=http://localhost:9',
      },
    });
    assert.deepEqual(Object.keys(env.exchange.endpoints), ['binance', 'bybit']);
  });

  it('should read exchange endpoints as a mapping from the file', () => {
    const path = file('exchange:\n  endpoints:\n    binance: http://127.0.0.1:8081\n');
    const config = loadConfig({ argv: ['--config', path], env: VAULT_ENV });
    assert.deepEqual(config.exchange.endpoints, { binance: 'http://127.0.0.1:8081' });
  });

  it('should reject a misspelt key in the file', () => {
    const path = file('wokers: 2\n');
    assert.throws(
      () => loadConfig({ argv: ['--config', path], env: VAULT_ENV }),
      /Unrecognized key: "wokers"/,
    );
  });
});
