import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { World, type Action } from './testing/world.ts';

const HOUR = 3_600_000;
const member = fc.nat({ max: 20 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'reconcile' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'crashAfterWrite' as const }) },
  { weight: 4, arbitrary: member.map((m) => ({ kind: 'pin' as const, member: m })) },
  { weight: 6, arbitrary: member.map((m) => ({ kind: 'rollPod' as const, member: m })) },
  { weight: 1, arbitrary: member.map((m) => ({ kind: 'fail' as const, member: m })) },
  { weight: 1, arbitrary: member.map((m) => ({ kind: 'heal' as const, member: m })) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 1, max: 800 })
      .map((hours) => ({ kind: 'advance' as const, ms: hours * HOUR })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'request' as const }) },
);

/** Everything settles: heal, then pin, roll and reconcile until nothing moves. */
function settle(world: World): void {
  world.members.forEach((_, i) => world.act({ kind: 'heal', member: i }));
  for (let round = 0; round < 40 && !world.settled(); round++) {
    world.act({ kind: 'reconcile' });
    world.members.forEach((_, i) => {
      world.act({ kind: 'pin', member: i });
      for (let pod = 0; pod < 4; pod++) world.act({ kind: 'rollPod', member: i });
    });
    world.act({ kind: 'advance', ms: 25 * HOUR });
  }
}

describe('the HmacKeyRing rotation state machine', () => {
  it('should keep every signer key accepted by every listener through any interleaving of reconciles, crashes, rollouts, failures and time', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 50, maxLength: 300, size: 'max' }), (actions) => {
        const world = new World(4, 3);
        for (const a of actions) {
          world.act(a);
          assert.deepEqual(world.violations(), [], `after ${JSON.stringify(a)}`);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('should finish every rotation it starts once rollouts succeed, ending on one key', () => {
    fc.assert(
      fc.property(fc.array(action, { minLength: 50, maxLength: 200, size: 'max' }), (actions) => {
        const world = new World(4, 3);
        for (const a of actions) world.act(a);
        settle(world);
        assert.ok(world.settled(), `stuck in ${world.status?.phase}`);
        assert.deepEqual(world.violations(), []);
        assert.equal(world.versions.at(-1)?.secondary, undefined, 'the old key was dropped');
      }),
      { numRuns: 200 },
    );
  });

  it('should rotate once the period has elapsed and move listeners before signers', () => {
    const world = new World(2, 1);
    world.act({ kind: 'advance', ms: 721 * HOUR });
    world.act({ kind: 'reconcile' });
    assert.equal(world.status?.phase, 'ListenersRolling');
    assert.equal(world.status?.listenerVersion, 2);
    assert.equal(world.status?.signerVersion, 1);
    world.act({ kind: 'reconcile' });
    assert.equal(world.status?.phase, 'ListenersRolling', 'listeners have not rolled yet');
  });
});
