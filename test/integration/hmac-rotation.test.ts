/**
 * Issue 14, items 2 and 3: an HmacKeyRing rotation on the real environment (apiserver,
 * controller-manager, scheduler, kwok nodes so Deployments roll, Vault). Four listeners and three
 * signers, two pods each; a checker signs with each running signer pod's key and verifies with
 * each running listener pod's keys throughout, and must see zero failures. The operator is
 * stopped and a new one started at every stage; the rotation carries on. A listener whose
 * rollout cannot finish stops the ring before any signer moves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HMAC_KEY_RING } from '../../src/api/hmackeyring/kind.ts';
import { hmacKeyRingController } from '../../src/controllers/hmackeyring/reconcile.ts';
import type { KubeClient } from '../../src/operator/kube/client.ts';
import { RESOURCES } from '../../src/operator/kube/resources.ts';
import type { KubeObject } from '../../src/operator/kube/types.ts';
import type { VaultAdapter } from '../../src/vault/adapter.ts';
import {
  allPodsAt,
  createRingAndMembers,
  listenerName,
  RING,
  ringPath,
  ringStatus,
  rolloutReport,
  RotationChecker,
} from '../support/hmac-rotation.ts';
import { mustKubectl } from '../support/kubernetes-auth.ts';
import { createTestNamespace, eventually, testKubeClient } from '../support/operator.ts';
import { operatorVaultLogin, type OperatorVaultLogin } from '../support/operator-vault.ts';
import {
  installPostureCrds,
  rootVault,
  startTradingServiceOperator,
  type RunningOperator,
} from '../support/tradingservice.ts';

const LISTENERS = 4;
const SIGNERS = 3;
const MEMBERS = LISTENERS + SIGNERS;
/** Rollouts on a loaded 2-core machine: generous, the checker proves the rest. */
const ROLL_MS = 300_000;

describe('HmacKeyRing rotation on a real cluster', () => {
  let admin: KubeClient;
  let namespace: string;
  let login: OperatorVaultLogin;
  let operator: RunningOperator | undefined;
  let root: VaultAdapter;

  const start = () => {
    operator = startTradingServiceOperator({
      namespace,
      platform: login.platform,
      vault: login.adapter(),
      also: [hmacKeyRingController(login.platform, { namespace })],
    });
  };
  const ringEvents = async () =>
    (
      await admin.list<KubeObject & { reason?: string; involvedObject?: { kind?: string } }>(
        RESOURCES.event,
        { namespace },
      )
    ).items
      .filter((e) => e.involvedObject?.kind === 'HmacKeyRing')
      .map((e) => e.reason ?? '');
  const restart = async () => {
    await operator?.stop();
    start();
  };
  /**
   * The ring at `want` or past it in this rotation: on a loaded machine a short stage can pass
   * between two polls, and the restart then happens at the next one.
   */
  const STAGES = ['ListenersRolling', 'SignersRolling', 'GracePeriod'];
  const phase = async (want: string) =>
    eventually(
      `the ring in ${want} or later`,
      async () => {
        const now = STAGES.indexOf((await ringStatus(admin, namespace)).phase ?? '');
        return now >= STAGES.indexOf(want) ? true : undefined;
      },
      ROLL_MS,
    );

  before(async () => {
    root = rootVault();
    await installPostureCrds();
    admin = testKubeClient();
    namespace = await createTestNamespace(admin, 'hmac-rot');
    login = await operatorVaultLogin(namespace);
    await createRingAndMembers(admin, namespace, { listeners: LISTENERS, signers: SIGNERS });
    start();
  });

  after(async () => {
    await operator?.stop();
    await root?.kvDestroy(ringPath(namespace));
    await login?.remove();
    await admin?.delete(RESOURCES.namespace, { name: namespace });
  });

  it('should write the first key and roll every member onto version 1', async () => {
    await eventually(
      'every pod on version 1',
      () => allPodsAt(admin, namespace, 1, MEMBERS).then((ok) => ok || undefined),
      ROLL_MS,
    );
    const status = await ringStatus(admin, namespace);
    assert.equal(status.phase, 'Stable');
    assert.equal(status.listenerVersion, 1);
  });

  it('should rotate with zero failed verifications, resuming after an operator restart at every stage', async () => {
    const checker = new RotationChecker(admin, root, namespace);
    try {
      await mustKubectl([
        '-n',
        namespace,
        'annotate',
        'hmackeyring',
        RING,
        'posture.dev/rotate=first',
      ]);
      for (const stage of ['ListenersRolling', 'SignersRolling', 'GracePeriod']) {
        await phase(stage);
        // The stage's Event follows its status write: killed in between, it would be lost (Events
        // are best effort). The restart waits for it, so the stages' Events can be checked.
        const now = (await ringStatus(admin, namespace)).phase ?? stage;
        await eventually(
          `the ${now} Event`,
          async () => (await ringEvents()).includes(now) || undefined,
          30_000,
        );
        await restart();
      }
      await eventually(
        'every pod on version 3 (one key)',
        async () => {
          const status = await ringStatus(admin, namespace);
          return (
            (status.phase === 'Stable' &&
              status.listenerVersion === 3 &&
              (await allPodsAt(admin, namespace, 3, MEMBERS))) ||
            undefined
          );
        },
        ROLL_MS,
      );
    } finally {
      await checker.stop();
    }
    process.stdout.write(
      `# ${checker.checks} signer→listener checks over versions ${[...checker.versionsSeen].sort().join(',')}\n`,
    );
    assert.deepEqual(checker.failures, [], 'no signature was rejected');
    assert.ok(checker.versionsSeen.has(2), 'the checker saw pods on the rotation version');
    const events = await ringEvents();
    for (const stage of ['ListenersRolling', 'SignersRolling', 'GracePeriod', 'Stable'])
      assert.ok(events.includes(stage), `an Event for ${stage}: ${events.join(', ')}`);
  });

  it('should stop at a listener whose rollout fails, report Degraded, and never move the signers', async () => {
    const listener = listenerName(0);
    // Another field manager makes the listener's new pods unschedulable and its deadline short:
    // the rollout to the next version cannot finish.
    await mustKubectl([
      '-n',
      namespace,
      'patch',
      'deployment',
      listener,
      '--field-manager=chaos',
      '--type=merge',
      '-p',
      JSON.stringify({
        spec: {
          progressDeadlineSeconds: 1,
          template: { spec: { nodeSelector: { 'posture.test/none': 'x' } } },
        },
      }),
    ]);
    await mustKubectl([
      '-n',
      namespace,
      'annotate',
      '--overwrite',
      'hmackeyring',
      RING,
      'posture.dev/rotate=second',
    ]);
    const degraded = await eventually(
      'the ring Degraded',
      async () => {
        const status = await ringStatus(admin, namespace);
        const condition = status.conditions?.find(
          (c) => c.type === 'Degraded' && c.status === 'True',
        );
        return condition ? { status, condition } : undefined;
      },
      ROLL_MS,
    );
    assert.equal(degraded.condition.reason, 'RolloutFailed');
    assert.match(degraded.condition.message, new RegExp(listener));
    assert.equal(degraded.status.phase, 'ListenersRolling');
    assert.equal(degraded.status.signerVersion, 3, 'signers stay on the old key');
    // Fixed: the rollout completes and the ring moves on to the signers.
    await mustKubectl([
      '-n',
      namespace,
      'patch',
      'deployment',
      listener,
      '--field-manager=chaos',
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'remove', path: '/spec/template/spec/nodeSelector' },
        { op: 'replace', path: '/spec/progressDeadlineSeconds', value: 600 },
      ]),
    ]);
    await phase('SignersRolling').catch(async (error: unknown) => {
      // What CI needs to tell a slow rollout from a stuck ring.
      const ringLines = (operator?.log() ?? '')
        .split('\n')
        .filter((line) => line.includes('HmacKeyRing'))
        .slice(-20);
      const report = await rolloutReport(admin, namespace, listener);
      throw new Error(`${String(error)}\n${report}\n${ringLines.join('\n')}`);
    });
    const ring = await admin.get<KubeObject & { status?: { signerVersion?: number } }>(
      HMAC_KEY_RING,
      { name: RING, namespace },
    );
    assert.equal(ring?.status?.signerVersion, 4);
  });
});
