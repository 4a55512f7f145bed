import { readFileSync } from 'node:fs';

/**
 * CPU seconds spent by processes, read from /proc: where a phase's time went on a machine the
 * operator shares with the apiserver, etcd and Vault (2 cores here). Linux reports utime and
 * stime in clock ticks of 1/100 s (USER_HZ is 100 on every architecture Node supports).
 */
const TICKS_PER_SECOND = 100;

/** utime+stime (own) and cutime+cstime (waited-for children) of a process, in seconds. */
export function cpuOf(pid: number | 'self'): { own: number; children: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const at = (field: number) => fields[field - 3] ?? 0;
    return {
      own: (at(14) + at(15)) / TICKS_PER_SECOND,
      children: (at(16) + at(17)) / TICKS_PER_SECOND,
    };
  } catch {
    return { own: 0, children: 0 };
  }
}

export type CpuSample = Record<string, number>;

/** One sample of every named process's own CPU seconds. */
export function sampleCpu(processes: readonly { name: string; pid: number | undefined }[]) {
  const sample: CpuSample = {};
  for (const { name, pid } of processes)
    if (pid !== undefined) sample[name] = (sample[name] ?? 0) + cpuOf(pid).own;
  return sample;
}

/** CPU seconds per process between two samples, rounded to 0.1 s. */
export function cpuBetween(before: CpuSample, after: CpuSample): CpuSample {
  const out: CpuSample = {};
  for (const [name, seconds] of Object.entries(after))
    out[name] = Math.round((seconds - (before[name] ?? 0)) * 10) / 10;
  return out;
}
