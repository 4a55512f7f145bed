import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { freePorts } from './process.ts';

describe('free ports for the test servers', () => {
  it('should never hand out the same port twice in one ask', async () => {
    for (let round = 0; round < 20; round += 1) {
      const ports = await freePorts(4);
      assert.equal(new Set(ports).size, ports.length, `ports ${ports.join(', ')}`);
    }
  });
});
