import { Gauge, type GaugeConfiguration, type Registry } from 'prom-client';

/**
 * A controller's own gauge, registered on the operator's registry when the controller
 * registers (the runtime knows nothing of kinds). Asked twice on one registry, it is the same
 * gauge: prom-client refuses a second metric of one name.
 */
export function registerGauge<L extends string>(
  registry: Registry,
  config: Omit<GaugeConfiguration<L>, 'registers'>,
): Gauge<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Gauge<L>;
  return new Gauge<L>({ ...config, registers: [registry] });
}
