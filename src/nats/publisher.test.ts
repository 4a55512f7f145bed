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

/** A config whose text follows its version, like the operator's (render counts renders). */
function source() {
  const state = { version: 0, renders: 0, text: (v: number) => `config ${v}` };
  const render = () => {
    state.renders += 1;
    return { text: state.text(state.version), version: state.version };
  };
  return { state, render };
}

async function until(publisher: ConfirmedPublisher, ask: () => PublishState) {
  for (let i = 0; i < 200; i++) {
    const state = ask();
    if (state !== 'pending') return state;
    await sleep(10);
  }
  return 'pending';
}

describe('ConfirmedPublisher', () => {
  it('should render and write a burst of 100 versions once, the newest, and confirm all', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 50 });
    const { state, render } = source();
    let settled = 0;
    publisher.onSettled(() => (settled += 1));
    for (let v = 1; v <= 100; v++) {
      state.version = v;
      assert.equal(publisher.request(v, render), 'pending');
    }
    assert.equal(await until(publisher, () => publisher.request(1, render)), 'confirmed');
    assert.deepEqual(server.written, ['config 100']);
    assert.equal(state.renders, 1, 'rendered once per write, not per ask');
    assert.equal(server.loaded, 'config 100');
    assert.equal(publisher.request(100, render), 'confirmed');
    assert.equal(settled, 1, 'waiting reconciles are woken once');
  });

  it('should neither write nor reload a text the server already confirmed', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 10 });
    const { state, render } = source();
    state.version = 1;
    assert.equal(await until(publisher, () => publisher.request(1, render)), 'confirmed');
    // A new version whose text is the same (a resync reported an unchanged state).
    state.text = () => 'config 1';
    state.version = 2;
    assert.equal(await until(publisher, () => publisher.request(2, render)), 'confirmed');
    for (let i = 0; i < 10; i++) assert.equal(publisher.request(2, render), 'confirmed');
    assert.equal(server.written.length, 1);
    assert.equal(publisher.reloads, 1);
  });

  it('should report a reload nats-server never confirmed to every ask, and try again', async () => {
    const { server, target } = fakeServer({ confirms: false });
    const publisher = new ConfirmedPublisher(target, { quietMs: 10, confirmTimeoutMs: 100 });
    let woken = 0;
    publisher.onSettled(() => (woken += 1));
    const { state, render } = source();
    state.version = 1;
    const failed = await until(publisher, () => publisher.request(1, render));
    assert.ok(failed instanceof Error);
    assert.match(failed.message, /did not confirm/);
    for (let i = 0; i < 50; i++)
      assert.equal(publisher.request(1, render), failed, 'every waiting service hears of it');
    for (let i = 0; i < 100 && server.written.length < 2; i++) await sleep(10);
    assert.equal(server.written.length, 2, 'the asks scheduled one retry, not fifty');
    assert.equal(woken, 0, 'a failure wakes nobody: each learns of it at its next look');
  });

  it('should report confirmed again once a retry succeeds after a failure', async () => {
    const { server, target } = fakeServer();
    let fail = true;
    const flaky: ReloadTarget = {
      ...target,
      write: (text) => (fail ? Promise.reject(new Error('apiserver down')) : target.write(text)),
    };
    const publisher = new ConfirmedPublisher(flaky, { quietMs: 5 });
    const { state, render } = source();
    state.version = 1;
    const failed = await until(publisher, () => publisher.request(1, render));
    assert.match(String(failed), /apiserver down/);
    fail = false;
    let now: PublishState = failed;
    for (let i = 0; i < 100 && now !== 'confirmed'; i++) {
      await sleep(10);
      now = publisher.request(1, render);
    }
    assert.equal(now, 'confirmed');
    assert.deepEqual(server.written, ['config 1']);
  });

  it('should write a newer version asked for while a write is in flight right after it', async () => {
    const { server, target } = fakeServer();
    const slow: typeof target = {
      ...target,
      write: async (text) => {
        await sleep(50);
        await target.write(text);
      },
    };
    const publisher = new ConfirmedPublisher(slow, { quietMs: 5 });
    const { state, render } = source();
    state.version = 1;
    publisher.request(1, render);
    await sleep(20);
    state.version = 2;
    assert.equal(publisher.request(2, render), 'pending');
    assert.equal(await until(publisher, () => publisher.request(2, render)), 'confirmed');
    assert.deepEqual(server.written, ['config 1', 'config 2']);
  });

  it('should flush a steady stream of changes after maxWaitMs', async () => {
    const { server, target } = fakeServer();
    const publisher = new ConfirmedPublisher(target, { quietMs: 50, maxWaitMs: 120 });
    const { state, render } = source();
    for (let v = 1; v <= 20; v++) {
      state.version = v;
      publisher.request(v, render);
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
