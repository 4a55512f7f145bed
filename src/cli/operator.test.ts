import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitPlatformFlag } from './operator.ts';

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
});
