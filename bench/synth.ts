/**
 * `npm run bench -- synth`: how long render takes for 1k and 10k TradingServices, and whether it
 * grows linearly. Goal: 10k services' objects in <= 1 s, 10k/1k ratio <= 12.
 *
 * - render: CRs (already parsed) → cross-resource model → every Kubernetes object, the NATS auth
 *   config and the Vault policies/roles: the render API the operator and synth share.
 * - files: render plus the gitops file contents (canonical YAML), without touching disk.
 * - cdk8s tree: the same objects through a cdk8s construct tree (one Chart per namespace),
 *   synthesized once: what composing posture into a cdk8s App costs.
 * - trap: one Chart per app, each synthesized with `chart.toJson()` as a per-app file writer
 *   would; every call re-validates the whole App, so time grows with apps².
 * Wall times are what the brief asks for; thread CPU times are reported beside them because on
 * a shared machine wall time measures the other processes too.
 * Ends with one JSON line.
 */
import { cpus, loadavg } from 'node:os';
import { App, Chart } from 'cdk8s';
import { gitopsFiles } from '../src/gitops/layout.ts';
import { platformApp, synthObjects, AppConstruct } from '../src/render/constructs.ts';
import { natsConfig, platformApps, renderPlatform, type RenderInput } from '../src/render/index.ts';
import { buildModel } from '../src/render/build-model.ts';
import { syntheticPlatform } from '../src/render/testing/synthetic.ts';
import { median } from './support/stats.ts';

function time(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** CPU time of this thread only: what the work costs when other processes compete for the CPU. */
function cpuTime(fn: () => unknown): number {
  const start = process.threadCpuUsage();
  fn();
  const used = process.threadCpuUsage(start);
  return (used.user + used.system) / 1000;
}

function prepare(n: number) {
  const { platform, resources } = syntheticPlatform(n);
  const nkeys: RenderInput['nkeys'] = (s) => platform.nats.users[`${s.namespace}/${s.name}`];
  const render = () => {
    const { model, problems } = buildModel(resources, platform);
    if (problems.length > 0)
      throw new Error(`synthetic platform is invalid: ${problems[0]!.message}`);
    return renderPlatform({ platform, model, nkeys, crds: [] });
  };
  const input = (): RenderInput => ({
    platform,
    model: buildModel(resources, platform).model,
    nkeys,
  });
  return { render, input };
}

function measure(n: number, runs: number) {
  const { render, input } = prepare(n);
  const objects = render().objects.length;
  const renderMs = median(Array.from({ length: runs }, () => time(render)));
  const renderCpuMs = median(Array.from({ length: runs }, () => cpuTime(render)));
  const files = () => gitopsFiles(render().objects, []);
  const filesMs = median(Array.from({ length: runs }, () => time(files)));
  return { n, objects, renderMs, renderCpuMs, filesMs, input };
}

/**
 * One Chart per app, each synthesized on its own, as a per-app file writer would: returns that
 * time and the time of synthesizing the same tree once. Their difference is the trap's overhead
 * (every `chart.toJson()` re-walks and re-validates the whole App).
 */
function trap(n: number): { perChart: number; once: number } {
  const given = prepare(n).input();
  const app = new App({ outdir: 'dist' });
  const charts = [...platformApps(given, natsConfig(given).text)].map((group, i) => {
    const chart = new Chart(app, `app-${i}`, { disableResourceNameHashes: true });
    new AppConstruct(chart, group);
    return chart;
  });
  const once = time(() => synthObjects(app));
  const perChart = time(() => {
    for (const chart of charts) chart.toJson();
  });
  return { perChart, once };
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const log = (line: string) => process.stderr.write(`${line}\n`);

measure(1000, 1); // warm up the JIT
const small = measure(1000, 5);
const large = measure(10000, 3);
log(`load average at start: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
log(
  `render  1k: ${round(small.renderMs)} ms wall, ${round(small.renderCpuMs)} ms CPU (${small.objects} objects)`,
);
log(
  `render 10k: ${round(large.renderMs)} ms wall, ${round(large.renderCpuMs)} ms CPU (${large.objects} objects)`,
);
log(`files   1k: ${round(small.filesMs)} ms   files 10k: ${round(large.filesMs)} ms`);

const tree1k = time(() => synthObjects(platformApp(small.input())));
log(`cdk8s construct tree, synthesized once, 1k: ${round(tree1k)} ms`);
const [trapSmall, trapLarge] = [trap(500), trap(1500)];
const overhead = (t: { perChart: number; once: number }) => Math.max(0, t.perChart - t.once);
const growth = (overhead(trapLarge) / overhead(trapSmall)).toFixed(1);
for (const [n, t] of [
  [500, trapSmall],
  [1500, trapLarge],
] as const) {
  log(
    `cdk8s chart per app, ${n} services: chart.toJson() each ${round(t.perChart)} ms, tree once ${round(t.once)} ms`,
  );
}
log(`chart-per-app overhead grows x${growth} for x3 services (quadratic: x9)`);

const result = {
  ms1k: round(small.renderMs),
  ms10k: round(large.renderMs),
  ratio: Math.round((large.renderMs / small.renderMs) * 100) / 100,
  objects10k: large.objects,
  filesMs1k: round(small.filesMs),
  filesMs10k: round(large.filesMs),
  filesRatio: Math.round((large.filesMs / small.filesMs) * 100) / 100,
  cpuMs1k: round(small.renderCpuMs),
  cpuMs10k: round(large.renderCpuMs),
  cpuRatio: Math.round((large.renderCpuMs / small.renderCpuMs) * 100) / 100,
  cdk8sTreeMs1k: round(tree1k),
  trapPerChartMs500: round(trapSmall.perChart),
  trapPerChartMs1500: round(trapLarge.perChart),
  trapOverheadRatio: Number(growth),
  load: Math.round(loadavg()[0]! * 10) / 10,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
