import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from '../../operator/telemetry/metrics.ts';
import { registerGauge } from './metrics.ts';

describe('registerGauge', () => {
  const config = { name: 'posture_test_gauge', help: 'A test gauge.', labelNames: ['name'] };

  it("should put a controller's gauge on the operator's registry", async () => {
    const metrics = createMetrics();
    registerGauge(metrics.registry, config).set({ name: 'a' }, 2);
    assert.match(await metrics.registry.metrics(), /posture_test_gauge\{name="a"\} 2/);
  });

  it('should hand the same gauge to a second controller on the same registry', () => {
    const metrics = createMetrics();
    assert.equal(registerGauge(metrics.registry, config), registerGauge(metrics.registry, config));
  });
});
