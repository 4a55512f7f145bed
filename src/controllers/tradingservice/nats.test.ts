import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import type { NatsPublisher, PublishState } from '../../nats/publisher.ts';
import type { Informer } from '../../operator/informer/informer.ts';
import type { KubeObject } from '../../operator/kube/types.ts';
import { titanObjects } from './testing/harness.ts';
import { readPlatformDir } from '../../gitops/source.ts';
import { NatsAuth } from './nats.ts';
import { jwtMode } from './nats-jwt.ts';

const { platform } = readPlatformDir('examples/titan');
const [oldKey, newKey] = [createUser().getPublicKey(), createUser().getPublicKey()];
const KEY = 'titan/brain';

function brain(status: Record<string, unknown>): KubeObject {
  const object = titanObjects.services.find((s) => s.metadata.name === 'brain')!;
  return { ...structuredClone(object), status };
}

/** A cache holding brain only, and a publisher whose answer the test sets. */
function natsAuth(object: KubeObject) {
  const answer: { state: PublishState } = { state: 'confirmed' };
  const publisher: NatsPublisher = {
    request: () => answer.state,
    onSettled: () => undefined,
    reloads: 0,
    confirmsLoad: true,
  };
  const services = {
    store: { list: () => [object], get: (key: string) => (key === KEY ? object : undefined) },
  } as unknown as Informer<KubeObject>;
  return { auth: new NatsAuth(platform, services, publisher), answer };
}

/** The user blocks of brain in the config text, comment line first. */
function brainUsers(text: string): string[] {
  return text
    .split('      # ')
    .filter((block) => block.startsWith('titan/brain'))
    .map((block) => block.trim());
}

describe('NatsAuth during an NKey rotation', () => {
  it('should authorize the previous key as a second user with the same permissions', () => {
    const { auth } = natsAuth(brain({ natsUser: oldKey }));
    auth.request({ key: KEY, natsUser: newKey, previousNatsUser: oldKey });
    const [current, previous] = brainUsers(auth.snapshot().text);
    assert.match(current ?? '', new RegExp(`^titan/brain\\n.*nkey: ${newKey}`, 's'));
    assert.match(previous ?? '', new RegExp(`^titan/brain \\(previous NKey.*nkey: ${oldKey}`, 's'));
    const permissions = (user = '') =>
      user.slice(user.indexOf('permissions'), user.indexOf('\n      }'));
    assert.equal(permissions(previous), permissions(current));
  });

  it('should drop the previous key once a reconcile asks for the new one alone', () => {
    const { auth } = natsAuth(brain({ natsUser: newKey, previousNatsUser: oldKey }));
    assert.equal(brainUsers(auth.snapshot().text).length, 2, 'status names both: both stay');
    auth.request({ key: KEY, natsUser: newKey });
    const text = auth.snapshot().text;
    assert.equal(brainUsers(text).length, 1);
    assert.doesNotMatch(text, new RegExp(oldKey));
  });

  it('should say nats-server runs the users of the last request only once it is confirmed', () => {
    const { auth, answer } = natsAuth(brain({ natsUser: oldKey }));
    assert.deepEqual(auth.loaded(KEY), {}, 'nothing asked yet');
    answer.state = 'pending';
    auth.request({ key: KEY, natsUser: newKey, previousNatsUser: oldKey });
    assert.deepEqual(auth.loaded(KEY), {});
    answer.state = 'confirmed';
    assert.deepEqual(auth.loaded(KEY), { natsUser: newKey, previousNatsUser: oldKey });
  });
});

describe('NatsAuth waking the services that waited', () => {
  it('should wake a service once a write confirmed its version, and not before', () => {
    const answer: { state: PublishState } = { state: 'pending' };
    let settle: (confirmed: number) => void = () => undefined;
    const publisher: NatsPublisher = {
      request: () => answer.state,
      onSettled: (listener) => (settle = listener),
      reloads: 0,
      confirmsLoad: true,
    };
    const objects = ['brain', 'execution'].map((name) => {
      const object = titanObjects.services.find((s) => s.metadata.name === name)!;
      return structuredClone(object);
    });
    const services = {
      store: {
        list: () => objects,
        get: (key: string) => objects.find((o) => `titan/${o.metadata.name}` === key),
      },
    } as unknown as Informer<KubeObject>;
    const auth = new NatsAuth(platform, services, publisher);
    const woken: string[] = [];
    auth.onSettled((key) => woken.push(key));
    auth.request({ key: 'titan/brain', natsUser: oldKey }); // version 1
    auth.request({ key: 'titan/execution', natsUser: newKey }); // version 2
    settle(1);
    assert.deepEqual(woken, ['titan/brain'], 'execution asked for a version not written yet');
    settle(2);
    assert.deepEqual(woken, ['titan/brain', 'titan/execution']);
    settle(3);
    assert.equal(woken.length, 2, 'a service is woken once per wait');
  });
});

describe('NatsAuth with a config nats-server already runs (nats.auth: jwt)', () => {
  /** brain and execution cached without status; a publisher that records the versions asked. */
  function jwtAuth(options: { isolated?: boolean } = {}) {
    const objects = ['brain', 'execution'].map((name) =>
      structuredClone(titanObjects.services.find((s) => s.metadata.name === name)!),
    );
    const asked: number[] = [];
    const state: { running?: { text: string; version: number } } = {};
    const publisher: NatsPublisher = {
      request: (version) => {
        asked.push(version);
        return version <= (state.running?.version ?? 0) ? 'confirmed' : 'pending';
      },
      onSettled: () => undefined,
      reloads: 0,
      confirmsLoad: true,
      running: () => state.running,
    };
    const services = {
      store: {
        list: () => objects,
        get: (key: string) => objects.find((o) => `titan/${o.metadata.name}` === key),
      },
    } as unknown as Informer<KubeObject>;
    const changes = { count: 0 };
    const mode = jwtMode(
      () => ({}),
      () => changes.count,
    );
    const auth = new NatsAuth(platform, services, publisher, {
      mode,
      isolated: () => options.isolated ?? false,
    });
    /** nats-server confirmed what the cache says now (as the publisher's write would). */
    const confirm = () => (state.running = auth.snapshot());
    return { auth, asked, changes, confirm };
  }

  it('should confirm a new user at once when its account is running, asking for no write', () => {
    const { auth, asked, confirm } = jwtAuth();
    assert.equal(auth.request({ key: 'titan/brain', natsUser: oldKey }), 'pending');
    confirm();
    assert.equal(auth.request({ key: 'titan/execution', natsUser: newKey }), 'confirmed');
    assert.deepEqual(asked, [1, 1], 'execution was held by version 1: nothing new to write');
    assert.deepEqual(auth.loaded('titan/execution'), { natsUser: newKey });
  });

  it('should ask for a write when something outside the cache changed since (a retired user)', () => {
    const { auth, asked, changes, confirm } = jwtAuth();
    auth.request({ key: 'titan/brain', natsUser: oldKey });
    confirm();
    changes.count += 1;
    assert.equal(auth.request({ key: 'titan/execution', natsUser: newKey }), 'pending');
    assert.deepEqual(asked, [1, 2]);
  });

  it('should ask for a write when the running accounts revoke less than the state brings', () => {
    const { auth, asked, confirm } = jwtAuth();
    auth.request({ key: 'titan/brain', natsUser: oldKey });
    confirm();
    const state = auth.request({ key: 'titan/brain', natsUser: oldKey, revokedBefore: 1234 });
    assert.equal(state, 'pending');
    assert.deepEqual(asked, [1, 2]);
  });

  it('should ask for a write in an isolated namespace: its users are revoked there', () => {
    const { auth, asked, confirm } = jwtAuth({ isolated: true });
    auth.request({ key: 'titan/brain', natsUser: oldKey });
    confirm();
    assert.equal(auth.request({ key: 'titan/execution', natsUser: newKey }), 'pending');
    assert.deepEqual(asked, [1, 2]);
  });
});
