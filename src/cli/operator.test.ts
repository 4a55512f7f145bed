import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitNatsFlag, splitPlatformFlag } from './operator.ts';

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
