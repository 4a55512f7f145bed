/**
 * The NATS auth config posture renders, loaded by a real nats-server and enforced against real
 * clients that authenticate with NKeys: what the TradingServices declare is allowed, the rest
 * is denied.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createUser } from '@nats-io/nkeys';
import { connect, nkeyAuthenticator, type NatsConnection } from 'nats';
import { synthesize } from '../../src/gitops/synth.ts';
import { startNats, type NatsServer } from '../../src/testenv/nats.ts';
import { run, testEnv } from '../support/env.ts';
import { delivered, serverError } from '../support/nats.ts';
import { readExample, withFreshNkeys } from '../support/render.ts';
import { scratchDir } from '../../src/lib/testing/scratch.ts';

const { source, seeds } = withFreshNkeys(readExample());
const authConf = synthesize(source).rendered.nats.text;

async function as(server: NatsServer, service: string): Promise<NatsConnection> {
  const seed = seeds.get(`titan/${service}`);
  assert.ok(seed, `the example has no NATS user titan/${service}`);
  return connect({ servers: server.url, authenticator: nkeyAuthenticator(seed), name: service });
}

describe('the rendered NATS auth config', () => {
  let server: NatsServer;
  const open: NatsConnection[] = [];
  const client = async (service: string) => {
    const nc = await as(server, service);
    open.push(nc);
    return nc;
  };

  before(async () => {
    const bin = testEnv().bin['nats-server'];
    assert.ok(bin, 'the test environment has no nats-server');
    server = await startNats(bin, authConf);
  });
  after(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
  });

  it('should load in nats-server -t as an include, with no password or seed in it', async () => {
    const dir = scratchDir('posture-nats-t-');
    writeFileSync(join(dir, 'auth.conf'), authConf);
    writeFileSync(join(dir, 'nats.conf'), 'host: 127.0.0.1\nport: -1\ninclude "auth.conf"\n');
    const checked = await run('nats-server', ['-t', '-c', join(dir, 'nats.conf')]);
    assert.equal(checked.code, 0, checked.stderr + checked.stdout);
    assert.doesNotMatch(authConf, /password\s*[:=]|\bSU[A-Z2-7]{50,}/i);
  });

  it('should let brain publish its command subjects to the services that listen', async () => {
    const [brain, execution] = [await client('brain'), await client('execution')];
    assert.equal(await delivered(brain, execution, 'titan.cmd.execution.order'), true);
  });

  it('should let console subscribe to titan.data.> and receive market data', async () => {
    const [scavenger, console] = [await client('scavenger'), await client('console')];
    assert.equal(await delivered(scavenger, console, 'titan.data.scavenger.ticks'), true);
  });

  it('should not let console publish anything', async () => {
    const [console, brain] = [await client('console'), await client('brain')];
    for (const subject of ['titan.data.scavenger.ticks', 'titan.cmd.execution.order', '_INBOX.x']) {
      const error = await serverError(console, () => console.publish(subject, 'forged'));
      assert.match(error, /PERMISSIONS_VIOLATION/, subject);
      assert.match(error, /"operation":"publish"/, subject);
    }
    assert.equal(await delivered(console, brain, 'titan.data.scavenger.ticks'), false);
  });

  it("should not let a service subscribe to another service's private subjects", async () => {
    const sentinel = await client('sentinel');
    const error = await serverError(sentinel, () => sentinel.subscribe('titan.cmd.execution.>'));
    assert.match(error, /PERMISSIONS_VIOLATION/);
    assert.match(error, /"operation":"subscription","subject":"titan.cmd.execution.>"/);
  });

  it('should refuse a client whose NKey is not in the config', async () => {
    const stranger = createUser();
    await assert.rejects(
      connect({ servers: server.url, authenticator: nkeyAuthenticator(stranger.getSeed()) }),
      /Authorization Violation/i,
    );
  });
});
