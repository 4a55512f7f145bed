import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeClient } from '../operator/kube/client.ts';
import {
  ConfirmedPublisher,
  NatsConfigTooLargeError,
  SECRET_DATA_LIMIT,
  secretWriter,
  type PublishState,
} from './publisher.ts';
import type { ReloadTarget } from './reloader.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A server that loads whatever was written last when told to reload. */
function fakeServer(options: { confirms?: boolean } = {}) {
  const server = { written: [] as string[], loaded: '', marker: 0 };
  const target: ReloadTarget = {
    write: (text) => {
      server.written.push(text);
      return Promise.resolve();
    },
    reload: () => {
      if (options.confirms !== false) {
        server.loaded = server.written.at(-1) ?? '';
        server.marker += 1;
      }
      return Promise.resolve();
    },
    loadedMarker: () => Promise.resolve(String(server.marker)),
  };
  return { server, target };
}

async function until(publisher: ConfirmedPublisher, text: string): Promise<PublishState> {
  for (let i = 0; i < 200; i++) {
    const state = publisher.request(text);
    if (state !== 'pending') return state;
    await sleep(10);
  }
  return 'pending';
}

describe('ConfirmedPublisher', () => {
  it('should write a burst of 100 different texts once, the newest, and confirm it', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 50 });
    for (let i = 0; i < 100; i++) assert.equal(publisher.request(`config ${i}`), 'pending');
    assert.equal(await until(publisher, 'config 99'), 'confirmed');
    assert.equal(publisher.reloads, 1);
    assert.deepEqual(server.written, ['config 99']);
  });

  it('should neither write nor reload a text the server already confirmed', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 10 });
    await until(publisher, 'same');
    for (let i = 0; i < 10; i++) assert.equal(publisher.request('same'), 'confirmed');
    assert.equal(server.written.length, 1);
  });

  it('should report a reload nats-server never confirmed once, then try again', async () => {
    const { target } = fakeServer({ confirms: false });
    const publisher = new ConfirmedPublisher(target, { quietMs: 10, confirmTimeoutMs: 100 });
    const state = await until(publisher, 'broken');
    assert.ok(state instanceof Error);
    assert.match(state.message, /did not confirm/);
    assert.equal(publisher.request('broken'), 'pending', 'asked again, tried again');
  });

  it('should flush a steady stream of changes after maxWaitMs', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 50, maxWaitMs: 120 });
    for (let i = 0; i < 20; i++) {
      publisher.request(`config ${i}`);
      await sleep(20);
    }
    assert.ok(server.written.length >= 1, 'written before the stream went quiet');
  });
});

describe('secretWriter', () => {
  it('should refuse a config over the Secret limit with the fix, before any request', async () => {
    const client = new Proxy({} as KubeClient, {
      get: () => assert.fail('no request may be sent for a config that cannot fit'),
    });
    const write = secretWriter(client, 'nats');
    const text = 'x'.repeat(SECRET_DATA_LIMIT + 1);
    await assert.rejects(write(text), (error: unknown) => {
      assert.ok(error instanceof NatsConfigTooLargeError);
      assert.match(error.message, /1\.00 MiB, over the 1 MiB a Kubernetes Secret holds/);
      assert.match(error.message, /JWT/);
      return true;
    });
  });
});
