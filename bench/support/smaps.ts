import { readFileSync } from 'node:fs';

/** Resident memory of a process by what backs it, in MB (from /proc/<pid>/smaps). */
export interface Resident {
  /** Pages of the node executable (its code and read-only data). */
  binary: number;
  /** glibc's main arena: what C and C++ code (Node, V8's compiler, OpenSSL) malloc'd. */
  malloc: number;
  /** Anonymous mappings: V8's heap spaces, other arenas, thread stacks. */
  anonymous: number;
  /** Other files: shared libraries, ICU data. */
  files: number;
}

const HEADER = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/;

/** Sums the Rss lines of each mapping into the groups above. */
export function residentBySource(smaps: string): Resident {
  const kb = { binary: 0, malloc: 0, anonymous: 0, files: 0 };
  let group: keyof Resident = 'anonymous';
  for (const line of smaps.split('\n')) {
    const header = HEADER.exec(line);
    if (header) {
      group = groupOf(header[1] ?? '');
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB$/.exec(line);
    if (rss) kb[group] += Number(rss[1]);
  }
  const mb = (n: number) => Math.round(n / 1024);
  return {
    binary: mb(kb.binary),
    malloc: mb(kb.malloc),
    anonymous: mb(kb.anonymous),
    files: mb(kb.files),
  };
}

function groupOf(path: string): keyof Resident {
  if (path === '[heap]') return 'malloc';
  if (path === '' || path.startsWith('[')) return 'anonymous';
  return /\/node$/.test(path) ? 'binary' : 'files';
}

export const residentOf = (pid: number): Resident =>
  residentBySource(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
