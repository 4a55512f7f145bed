import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { readPlatformDir } from '../gitops/source.ts';
import { synthesize } from '../gitops/synth.ts';
import type { RetryPolicy } from '../github/retry.ts';
import { apiBaseUrl, resolveToken } from '../github/token.ts';
import { formatProblem, InvalidInputError } from '../render/problems.ts';
import { envProblem, GITOPS_DIR } from '../promote/plan.ts';
import { promote, type PromoteResult } from '../promote/promote.ts';

export interface PromoteCliOptions {
  repo: string;
  env: string;
  in: string;
  base: string;
  apiUrl?: string;
  tokenFile?: string;
  dryRun?: boolean;
  requireSigned?: boolean;
}

interface Io {
  env: Record<string, string | undefined>;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Tests shorten the waits GitHub asks for. */
  retry?: Partial<RetryPolicy>;
}

/**
 * The rendered gitops folder for an environment. synth has no environments yet: every env gets
 * the same render, and the env names the branch and the pull request.
 */
function renderFor(platformDir: string, _env: string): Map<string, string> {
  return synthesize(readPlatformDir(platformDir)).files;
}

function report(result: PromoteResult, options: PromoteCliOptions, io: Io): void {
  const out = (line: string) => io.stdout.write(`${line}\n`);
  out(`${options.repo} ${options.base}@${result.baseSha.slice(0, 12)} → ${result.branch}`);
  out(`${result.files.length} files in ${GITOPS_DIR}/ differ from ${options.base}:`);
  for (const f of result.files) out(`  ${f.kind.padEnd(6)} ${GITOPS_DIR}/${f.path}`);
  // The pull request's table is cut to fit GitHub's body limit; a dry run lists every object.
  if (result.outcome === 'planned') {
    for (const o of result.objects) out(`  ${o.change.padEnd(7)} ${o.kind} ${o.name} in ${o.app}`);
  }
  const unsigned = result.commits.filter((c) => !c.verified);
  if (unsigned.length > 0) {
    io.stderr.write(
      `posture promote: ${unsigned.length} of ${result.commits.length} commits on ` +
        `${options.base} touching ${GITOPS_DIR}/ are not verified:\n` +
        unsigned.map((c) => `  ${c.sha.slice(0, 12)} ${c.subject} (${c.reason})\n`).join(''),
    );
  }
  const pull = result.pull
    ? `; pull request #${result.pull.number} ${result.pull.action}: ${result.pull.url}`
    : '';
  const outcomes: Record<PromoteResult['outcome'], string> = {
    'nothing-to-promote': `${options.base} already holds the render of ${options.env}: nothing to promote`,
    planned: `dry run: nothing written; the pull request would read:\n\n${result.text.body}`,
    'up-to-date': `nothing changed since the last run: no commit${pull}`,
    committed: `committed ${result.commit?.slice(0, 12)} to ${result.branch}${pull}`,
  };
  out(outcomes[result.outcome]);
}

interface Inputs {
  files: Map<string, string>;
  token: string | undefined;
}

/** Flags, token and render, checked before any request: every problem here exits 1. */
function gatherInputs(options: PromoteCliOptions, io: Io): Inputs | undefined {
  try {
    const problem = envProblem(options.env);
    if (problem) throw new Error(problem);
    if (!/^[\w.-]+\/[\w.-]+$/.test(options.repo)) {
      throw new Error(`--repo ${options.repo} is not OWNER/NAME`);
    }
    const token = resolveToken(io.env, options.tokenFile, (path) => readFileSync(path, 'utf8'));
    if (token === undefined && !options.dryRun) {
      throw new Error('no GitHub token: set GITHUB_TOKEN or GH_TOKEN, or pass --token-file');
    }
    return { files: renderFor(options.in, options.env), token };
  } catch (error) {
    if (error instanceof InvalidInputError) {
      io.stderr.write(`posture promote: ${options.in} is invalid; nothing was promoted:\n`);
      for (const problem of error.problems) io.stderr.write(`  ${formatProblem(problem)}\n`);
    } else io.stderr.write(`posture promote: ${(error as Error).message}\n`);
    return undefined;
  }
}

/**
 * `posture promote`: returns the exit code: 0 done (or nothing to do), 1 invalid input (flags,
 * token, platform folder), 2 GitHub refused or failed, 3 done but --require-signed found
 * unverified commits on the target branch.
 */
export async function runPromote(options: PromoteCliOptions, io: Io): Promise<number> {
  const inputs = gatherInputs(options, io);
  if (!inputs) return 1;
  try {
    // Loaded here, not at the top: every posture command, the operator included, loads this
    // module, and @octokit/rest costs ~9 MB of resident memory.
    const { octokitRepo } = await import('../github/octokit.ts');
    const repo = octokitRepo({
      slug: options.repo,
      baseUrl: apiBaseUrl(options.apiUrl),
      token: inputs.token,
      ...(io.retry ? { retry: io.retry } : {}),
    });
    const result = await promote({
      repo,
      env: options.env,
      base: options.base,
      files: inputs.files,
      dryRun: options.dryRun ?? false,
    });
    report(result, options, io);
    return options.requireSigned && result.commits.some((c) => !c.verified) ? 3 : 0;
  } catch (error) {
    io.stderr.write(`posture promote: ${(error as Error).message}\n`);
    return 2;
  }
}

const PROMOTE_HELP = `
What it does, in order:
  1. renders the platform folder (--in) as \`posture synth\` does;
  2. reads ${GITOPS_DIR}/ on --base and plans which files are added, changed or removed;
  3. lists the commits on --base that touched ${GITOPS_DIR}/ and flags those whose
     signature GitHub does not verify (seed 002 asks for signed commits there);
  4. commits the changed files as one commit on top of --base to the branch
     posture/promote-ENV (rewritten on every run: it is posture's own), and opens or
     updates the one pull request from it, whose body lists the changed objects per
     app and kind and the unverified commits.
A run with nothing new makes no commit and leaves the pull request as it is.

The token comes from --token-file, else GITHUB_TOKEN, else GH_TOKEN. It needs
contents: write and pull-requests: write on the repository (read access for --dry-run).

Exit codes: 0 done or nothing to do, 1 invalid input, 2 GitHub refused or failed,
3 done, but --require-signed found unverified commits.

Examples:
  posture promote --repo acme/platform --env prod --dry-run
  GH_TOKEN=... posture promote --repo acme/platform --env staging --base main
  posture promote --repo acme/platform --env prod \\
    --api-url https://github.example.com --token-file ~/.config/posture/token
`;

export function registerPromote(program: Command): void {
  program
    .command('promote')
    .description('open or update the pull request that promotes the rendered gitops/ of an env')
    .requiredOption('--repo <owner/name>', 'the GitHub repository that holds gitops/')
    .requiredOption('--env <env>', 'environment to render; names the branch posture/promote-ENV')
    .option(
      '--in <dir>',
      'platform folder: CR YAML files and an optional platform.yaml',
      'examples/titan',
    )
    .option('--base <branch>', 'the branch the pull request targets', 'main')
    .option(
      '--api-url <url>',
      'REST API root; for GitHub Enterprise Server https://HOST (/api/v3 is added)',
    )
    .option('--token-file <file>', 'read the token from this file instead of the environment')
    .option('--dry-run', 'print the plan and the pull request text; write nothing')
    .option('--require-signed', 'exit 3 when a commit on --base touching gitops/ is unverified')
    .addHelpText('after', PROMOTE_HELP)
    .action(async (options: PromoteCliOptions) => {
      process.exitCode = await runPromote(options, {
        env: process.env,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}
