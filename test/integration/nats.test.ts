import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect, Events, type NatsConnection } from 'nats';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { testEnv } from '../support/env.ts';

const CONFIG = `
authorization {
  users = [
    { user: "reader", password: "smoke-only", permissions: { publish: { deny: ">" }, subscribe: { allow: ["titan.data.>"] } } }
    { user: "writer", password: "smoke-only", permissions: { publish: { allow: ["titan.data.>"] }, subscribe: { deny: ">" } } }
    { user: "observer", password: "smoke-only", permissions: { publish: { deny: ">" }, subscribe: { allow: [">"] } } }
  ]
}
`;

async function permissionError(nc: NatsConnection, action: () => void): Promise<string> {
  const statuses = nc.status();
  action();
  await nc.flush().catch(() => undefined);
  for await (const status of statuses) {
    if (status.type === Events.Error) return typeof status.data === 'string' ? status.data : '';
  }
  return '';
}

describe('nats-server from its config file', () => {
  let server: NatsServer;
  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'nats-server was not built');
    server = await startNats(bin, CONFIG);
  });
  after(async () => server.stop());

  it('denies a publish its config does not allow, and delivers one it does', async () => {
    const reader = await connect({ servers: server.url, user: 'reader', pass: 'smoke-only' });
    const writer = await connect({ servers: server.url, user: 'writer', pass: 'smoke-only' });
    const observer = await connect({ servers: server.url, user: 'observer', pass: 'smoke-only' });
    try {
      const sub = reader.subscribe('titan.data.prices', { max: 1 });
      await reader.flush();
      writer.publish('titan.data.prices', 'tick');
      for await (const msg of sub) assert.equal(msg.string(), 'tick');
      const commands = observer.subscribe('titan.cmd.>');
      await observer.flush();
      const error = await permissionError(reader, () =>
        reader.publish('titan.cmd.execution', 'buy'),
      );
      assert.equal(error, 'PERMISSIONS_VIOLATION');
      // The server dropped it: a user allowed to listen on titan.cmd.> never sees it.
      await observer.flush();
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(commands.getReceived(), 0);
    } finally {
      await reader.close();
      await writer.close();
      await observer.close();
    }
  });
});
