import {
  Gauge,
  Histogram,
  type GaugeConfiguration,
  type HistogramConfiguration,
  type Registry,
} from 'prom-client';

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

/** A controller's own histogram, registered once per registry like registerGauge. */
export function registerHistogram<L extends string>(
  registry: Registry,
  config: Omit<HistogramConfiguration<L>, 'registers'>,
): Histogram<L> {
  const existing = registry.getSingleMetric(config.name);
  if (existing) return existing as Histogram<L>;
  return new Histogram<L>({ ...config, registers: [registry] });
}
