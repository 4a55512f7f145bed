import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUser } from '@nats-io/nkeys';
import { renderNatsConfig } from './config.ts';
import { natsConfigProblems, subjectProblem, type NatsAuthConfig } from './model.ts';

const brainKey = createUser().getPublicKey();
const consoleKey = createUser().getPublicKey();

function config(): NatsAuthConfig {
  return {
    systemAccount: 'SYS',
    accounts: [
      {
        name: 'TITAN',
        users: [
          {
            id: 'titan/console',
            nkey: consoleKey,
            permissions: { publish: [], subscribe: ['titan.data.>', 'titan.evt.>'] },
          },
          {
            id: 'titan/brain',
            nkey: brainKey,
            permissions: {
              publish: ['titan.cmd.>', 'titan.cmd.>'],
              subscribe: [],
              allowResponses: true,
            },
          },
        ],
      },
      { name: 'SYS', users: [] },
    ],
  };
}

describe('renderNatsConfig', () => {
  it('should write users sorted, with NKeys and allow lists, and no password', () => {
    const text = renderNatsConfig(config());
    assert.ok(text.indexOf('# titan/brain') < text.indexOf('# titan/console'));
    assert.ok(text.indexOf('  SYS {') < text.indexOf('  TITAN {'));
    assert.match(text, new RegExp(`nkey: ${brainKey}`));
    assert.match(text, /publish: \{ allow: \["titan.cmd.>"\] \}/);
    assert.match(text, /allow_responses: true/);
    assert.match(text, /system_account: SYS\n$/);
    assert.doesNotMatch(text, /password\s*[:=]|\bSU[A-Z2-7]{50,}/i);
  });

  it('should deny everything in a direction that declares no subject', () => {
    const text = renderNatsConfig(config());
    const consoleBlock = text.slice(text.indexOf('# titan/console'));
    assert.match(consoleBlock, /publish: \{ deny: \[">"\] \}/);
    assert.match(consoleBlock, /subscribe: \{ allow: \["titan.data.>", "titan.evt.>"\] \}/);
  });

  it('should leave a disabled user out so that it cannot connect', () => {
    const c = config();
    const users = c.accounts[0]!.users.map((u) => ({ ...u, disabled: u.id === 'titan/brain' }));
    const text = renderNatsConfig({ ...c, accounts: [{ name: 'TITAN', users }, c.accounts[1]!] });
    assert.doesNotMatch(text, new RegExp(brainKey));
    assert.match(text, /# titan\/brain: disabled/);
  });

  it('should be the same text whatever the input order', () => {
    const c = config();
    const reversed = {
      ...c,
      accounts: [...c.accounts].reverse().map((a) => ({ ...a, users: [...a.users].reverse() })),
    };
    assert.equal(renderNatsConfig(reversed), renderNatsConfig(c));
  });
});

describe('natsConfigProblems', () => {
  const cases: [string, (c: NatsAuthConfig) => NatsAuthConfig, RegExp][] = [
    [
      'should reject a seed in place of a public key',
      (c) => withUser(c, { nkey: 'SUAB' }),
      /nkey: .* not an NKey user public key/,
    ],
    [
      'should reject a subject with an inner >',
      (c) => withUser(c, { publish: ['a.>.b'] }),
      /publish\[0\]: '>' may only be the last token/,
    ],
    [
      'should reject an empty subject token',
      (c) => withUser(c, { subscribe: ['a..b'] }),
      /subscribe\[0\]: token "" is empty/,
    ],
    [
      'should reject an undefined system account',
      (c) => ({ ...c, systemAccount: 'NOPE' }),
      /systemAccount: account NOPE/,
    ],
    [
      'should reject two users sharing one key',
      (c) => withUser(c, { nkey: consoleKey }),
      /already used by titan\/console/,
    ],
  ];
  for (const [name, change, expected] of cases) {
    it(name, () => {
      const problems = natsConfigProblems(change(config()));
      assert.ok(
        problems.some((p) => expected.test(p)),
        problems.join('\n'),
      );
      assert.throws(() => renderNatsConfig(change(config())), /invalid NATS auth config/);
    });
  }

  it('should accept wildcards where NATS accepts them', () => {
    assert.equal(subjectProblem('titan.*.cmd.>'), undefined);
    assert.equal(subjectProblem('>'), undefined);
  });
});

function withUser(
  c: NatsAuthConfig,
  change: { nkey?: string; publish?: string[]; subscribe?: string[] },
) {
  const [titan, sys] = c.accounts as [NatsAuthConfig['accounts'][0], NatsAuthConfig['accounts'][0]];
  const brain = titan.users.find((u) => u.id === 'titan/brain')!;
  const changed = {
    ...brain,
    nkey: change.nkey ?? brain.nkey,
    permissions: {
      ...brain.permissions,
      ...(change.publish && { publish: change.publish }),
      ...(change.subscribe && { subscribe: change.subscribe }),
    },
  };
  return {
    ...c,
    accounts: [{ ...titan, users: titan.users.map((u) => (u === brain ? changed : u)) }, sys],
  };
}
