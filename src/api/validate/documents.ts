import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { formatPath } from './issues.ts';
import { objectLabel, validateObject } from './validate.ts';

/** One error, ready to print: `file:line: Kind/namespace/name: path: message (fix: hint)`. */
export interface Finding {
  file: string;
  line?: number;
  object: string;
  path: string;
  message: string;
  fix: string;
}

export interface FileReport {
  /** Posture objects seen in the file (valid or not). */
  objects: number;
  findings: Finding[];
}

export function formatFinding(f: Finding): string {
  const where = f.line === undefined ? f.file : `${f.file}:${f.line}`;
  return `${where}: ${f.object}: ${f.path}: ${f.message} (fix: ${f.fix})`;
}

/** The line of the deepest node on the path that exists in the document (the parent of a missing field). */
function lineOf(
  doc: Document,
  path: readonly (string | number)[],
  counter: LineCounter,
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return counter.linePos(range[0]).line;
  }
  return undefined;
}

function syntaxFindings(
  file: string,
  doc: Document,
  index: number,
  counter: LineCounter,
): Finding[] {
  return doc.errors.map((e) => ({
    file,
    line: counter.linePos(e.pos[0]).line,
    object: `<document ${index + 1}>`,
    path: '(yaml)',
    message: e.message.split('\n')[0] ?? 'YAML syntax error',
    fix: 'fix the YAML syntax',
  }));
}

/**
 * A parsed document as plain data, or why it cannot be: `toJS` throws on what parsed but cannot
 * be built, such as aliases expanding past the yaml library's guard (an alias bomb), and a
 * command must report that as a finding, never die of it.
 */
export function documentValue(doc: Document): { value: unknown } | { error: string } {
  try {
    return { value: doc.toJS() as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { error: `${message}: the document cannot be read (too many or circular aliases?)` };
  }
}

/** Validates every document of a YAML stream; collects all problems instead of stopping at one. */
export function validateYaml(file: string, text: string): FileReport {
  const counter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: counter, uniqueKeys: true });
  const report: FileReport = { objects: 0, findings: [] };
  if (!Array.isArray(docs)) return report;
  docs.forEach((doc, index) => {
    if (doc.errors.length > 0) {
      report.findings.push(...syntaxFindings(file, doc, index, counter));
      return;
    }
    const read = documentValue(doc);
    if ('error' in read) {
      report.findings.push({
        file,
        line: counter.linePos(doc.range[0]).line,
        object: `<document ${index + 1}>`,
        path: '(yaml)',
        message: read.error,
        fix: 'write the values out instead of through aliases',
      });
      return;
    }
    const raw = read.value;
    const verdict = validateObject(raw);
    if (verdict.status === 'skipped') return;
    report.objects++;
    if (verdict.status === 'valid') return;
    const object = objectLabel(raw, index);
    for (const p of verdict.problems) {
      const line = lineOf(doc, p.path, counter);
      report.findings.push({
        file,
        object,
        path: formatPath(p.path),
        message: p.message,
        fix: p.fix,
        ...(line === undefined ? {} : { line }),
      });
    }
  });
  return report;
}
