import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPlatform, splitNatsFlag, splitPlatformFlag } from './operator.ts';
import { FLAG_HELP, settingsHelp } from './operator-help.ts';
import { SETTINGS } from '../operator/config.ts';
import { scratchDir } from '../lib/testing/scratch.ts';

describe('posture operator flags', () => {
  it('should take --platform FILE and pass every other flag to the runtime unchanged', () => {
    assert.deepEqual(
      splitPlatformFlag(['--workers=4', '--platform', 'p.yaml', '--log-level=debug']),
      {
        platform: 'p.yaml',
        rest: ['--workers=4', '--log-level=debug'],
      },
    );
  });
  it('should accept --platform=FILE and leave it out when absent', () => {
    assert.deepEqual(splitPlatformFlag(['--platform=x.yaml']), { platform: 'x.yaml', rest: [] });
    assert.deepEqual(splitPlatformFlag(['--workers=2']), { rest: ['--workers=2'] });
  });
  it('should take --nats-monitor-url out of the runtime flags', () => {
    assert.deepEqual(splitNatsFlag(['--nats-monitor-url=http://nats:8222', '--workers=2']), {
      natsMonitorUrl: 'http://nats:8222',
      rest: ['--workers=2'],
    });
  });
});

describe('posture operator --platform FILE', () => {
  const dir = scratchDir('posture-operator-platform-');
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('should read the settings of a PosturePlatform file', () => {
    const platform = loadPlatform('examples/titan/platform.yaml');
    assert.deepEqual(platform.devtron?.vpnCidrs, ['10.8.0.0/16', '198.51.100.0/24']);
  });

  it('should still read a bare settings map, the same way', () => {
    const bare = file('bare.yaml', 'egressGateway:\n  ips: [203.0.113.10]\n');
    assert.deepEqual(loadPlatform(bare).egressGateway.ips, ['203.0.113.10']);
  });

  it('should refuse a PosturePlatform of another name, naming the field and the fix', () => {
    const other = file(
      'other.yaml',
      'apiVersion: posture.dev/v1alpha1\nkind: PosturePlatform\nmetadata:\n  name: x\nspec: {}\n',
    );
    assert.throws(() => loadPlatform(other), /metadata\.name.*set metadata\.name: posture/s);
  });
});

describe('posture operator --help', () => {
  it('should explain every flag the configuration reads', () => {
    const missing = SETTINGS.filter((s) => !FLAG_HELP[s.flag]).map((s) => s.flag);
    assert.deepEqual(missing, []);
    assert.deepEqual(
      Object.keys(FLAG_HELP).filter((flag) => !SETTINGS.some((s) => s.flag === flag)),
      [],
      'help for a flag that does not exist',
    );
  });

  it('should print each flag with what it does, its default and its environment variable', () => {
    assert.match(
      settingsHelp(),
      /--workers <value> {2}reconciles that run at once, per controller \(default 4\) \(env POSTURE_WORKERS\)/,
    );
  });
});
