import type { Command } from 'commander';
import { README_FIRST_LINE } from '../gitops/layout.ts';
import { readPlatformDir } from '../gitops/source.ts';
import { summaryTable } from '../gitops/summary.ts';
import { synthesize } from '../gitops/synth.ts';
import { writeTree } from '../gitops/write.ts';
import { formatProblem, InvalidInputError } from '../render/problems.ts';

export interface SynthOptions {
  in: string;
  out: string;
}

interface Output {
  write(text: string): unknown;
}

/**
 * `posture synth`: validate the platform folder, render it, make the gitops folder match, print
 * the summary. Returns the exit code: 0 rendered, 1 invalid input (every problem printed with
 * its file and field path), 2 anything else.
 */
export function runSynth(options: SynthOptions, stdout: Output, stderr: Output): number {
  try {
    const source = readPlatformDir(options.in);
    for (const warning of source.warnings)
      stderr.write(`posture synth: warning: ${formatProblem(warning)}\n`);
    const output = synthesize(source);
    const result = writeTree(options.out, output.files, {
      path: 'README.md',
      firstLine: README_FIRST_LINE,
    });
    stdout.write(summaryTable(output.rendered.objects));
    stdout.write(
      `\n${options.out}: ${output.files.size} files (${result.written} written, ` +
        `${result.unchanged} unchanged, ${result.removed} removed)\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof InvalidInputError) {
      stderr.write(`posture synth: ${options.in} is invalid; nothing was written:\n`);
      for (const problem of error.problems) stderr.write(`  ${formatProblem(problem)}\n`);
      return 1;
    }
    stderr.write(`posture synth: ${(error as Error).message}\n`);
    return 2;
  }
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('render a platform folder of CRs to GitOps manifests (same input, same bytes)')
    .option(
      '--in <dir>',
      'platform folder: CR YAML files and an optional platform.yaml',
      'examples/titan',
    )
    .option(
      '--out <dir>',
      'gitops folder to write; synth owns it and removes stale files',
      'gitops',
    )
    .action((options: SynthOptions) => {
      process.exitCode = runSynth(options, process.stdout, process.stderr);
    });
}
