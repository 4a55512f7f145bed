import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { connect } from 'nats';
import { CoalescingReloader, varzConfigLoadTime } from '../../src/nats/reloader.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { testEnv } from '../support/env.ts';

// Passwords only in this test's throwaway configs: the reload mechanics are what is tested.
const users = (n: number) =>
  `authorization { users = [ { user: "u${n}", password: "reload-test-${n}" } ] }\n`;

describe('NATS config reloads against a real nats-server', () => {
  let server: NatsServer;
  let listen = '';
  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'nats-server was not built');
    server = await startNats(bin, users(0));
    // startNats appended listen/monitor settings; keep them in every config we write.
    const { readFile } = await import('node:fs/promises');
    listen = (await readFile(server.configFile, 'utf8'))
      .split('\n')
      .filter((l) => /^(host|port|http):/.test(l))
      .join('\n');
  });
  after(async () => server.stop());

  it('should coalesce a burst of 100 changes into at most 2 reloads and confirm the newest took effect', async () => {
    const reloader = new CoalescingReloader({
      target: {
        write: (text) => writeFile(server.configFile, `${text}${listen}\n`),
        reload: () => Promise.resolve(server.reload()),
        loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
      },
      windowMs: 100,
    });
    const burst = Array.from({ length: 100 }, (_, i) => reloader.apply(users(i + 1)));
    await Promise.all(burst);
    assert.ok(reloader.reloads >= 1 && reloader.reloads <= 2, `${reloader.reloads} reloads`);
    const nc = await connect({ servers: server.url, user: 'u100', pass: 'reload-test-100' });
    await nc.close();
    await assert.rejects(
      connect({ servers: server.url, user: 'u0', pass: 'reload-test-0', reconnect: false }),
    );
  });

  it('should fail the waiters, not hang, when the server cannot confirm the reload', async () => {
    const reloader = new CoalescingReloader({
      target: {
        write: () => Promise.resolve(),
        reload: () => Promise.resolve(),
        loadedMarker: () => varzConfigLoadTime(server.monitorUrl),
      },
      windowMs: 10,
      confirmTimeoutMs: 500,
    });
    await assert.rejects(reloader.apply(users(7)), /did not confirm the reload/);
  });
});
