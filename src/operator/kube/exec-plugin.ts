import { spawn } from 'node:child_process';
import { isatty } from 'node:tty';
import {
  execInfo,
  interactiveOf,
  parseExecCredential,
  refreshAt,
  type CredentialPlugin,
  type ExecCluster,
  type ExecConfig,
  type PluginCredential,
} from './exec-credential.ts';

/** One run of a plugin process. */
export interface PluginRun {
  /** `<kubeconfig>: users[<name>].user.exec`, the start of every error. */
  where: string;
  config: ExecConfig;
  env: NodeJS.ProcessEnv;
  /** Give the plugin the terminal's standard input. */
  interactive: boolean;
}

/** Runs the plugin and answers its stdout; rejects with what went wrong, naming the plugin. */
export type RunPlugin = (run: PluginRun) => Promise<string>;

/** Enough of the plugin's stderr to say why it failed; the whole of it went to our stderr. */
const STDERR_TAIL = 2000;

function notStarted(run: PluginRun, error: NodeJS.ErrnoException): Error {
  const { where, config } = run;
  const hint = config.installHint ? `\n${config.installHint.trim()}` : '';
  if (error.code === 'ENOENT')
    return new Error(
      `${where}: the credential plugin ${config.command} was not found: install it, or put it ` +
        `on the PATH posture runs with (kubectl would need it too)${hint}`,
    );
  if (error.code === 'EACCES')
    return new Error(`${where}: the credential plugin ${config.command} is not executable`);
  return new Error(
    `${where}: the credential plugin ${config.command} did not start: ${error.message}`,
  );
}

function failed(run: PluginRun, code: number | null, signal: string | null, stderr: string) {
  const how = code === null ? `was killed by ${String(signal)}` : `exited with code ${code}`;
  const tail = stderr.trim().slice(-STDERR_TAIL);
  return new Error(
    `${run.where}: the credential plugin ${run.config.command} ${how}` +
      (tail ? `; its stderr ended with:\n${tail}` : ' and wrote nothing to stderr'),
  );
}

/**
 * Runs the process the way kubectl does: the kubeconfig's args and env over ours, stdin only
 * when interactive, stdout read as the ExecCredential. Its stderr is passed through as it comes
 * (a login prompt or a device code must reach the user) and its tail kept for the error.
 */
export function runPlugin(run: PluginRun, stderr: NodeJS.WritableStream = process.stderr) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(run.config.command, run.config.args, {
      env: run.env,
      stdio: [run.interactive ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.write(chunk);
      err = (err + chunk.toString('utf8')).slice(-2 * STDERR_TAIL);
    });
    child.on('error', (error) => reject(notStarted(run, error)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(failed(run, code, signal, err));
    });
  });
}

export interface ExecSourceOptions {
  where: string;
  config: ExecConfig;
  /** Told to the plugin only when the kubeconfig sets provideClusterInfo. */
  cluster?: ExecCluster;
  run?: RunPlugin;
  now?: () => number;
  stdinIsTTY?: () => boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * A kubeconfig user's credential plugin: run on first use, its credential cached until a little
 * before `expirationTimestamp` (for the whole process without one) or until the apiserver
 * refuses it. Callers arriving while it runs wait for that same run: an interactive plugin
 * asks the user once, and a burst of requests starts one process.
 */
export class ExecCredentialSource implements CredentialPlugin {
  readonly #options: ExecSourceOptions;
  #cached: { credential: PluginCredential; until: number } | undefined;
  #running: Promise<PluginCredential> | undefined;

  constructor(options: ExecSourceOptions) {
    this.#options = options;
  }

  credential(): PluginCredential | Promise<PluginCredential> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.until) return cached.credential;
    this.#running ??= this.#refresh().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  refused(credential: PluginCredential): void {
    if (this.#cached?.credential === credential) this.#cached = undefined;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }

  async #refresh(): Promise<PluginCredential> {
    const { where, config, cluster } = this.#options;
    // isatty, not process.stdin: creating that stream could keep a finished CLI alive.
    const tty = (this.#options.stdinIsTTY ?? (() => isatty(0)))();
    const interactive = interactiveOf(where, config.interactiveMode, tty);
    const env = {
      ...(this.#options.env ?? process.env),
      ...config.env,
      KUBERNETES_EXEC_INFO: execInfo(config, interactive, cluster),
    };
    const stdout = await (this.#options.run ?? runPlugin)({ where, config, env, interactive });
    const { credential, expiresAt } = parseExecCredential(where, config, stdout);
    this.#cached = { credential, until: refreshAt(this.#now(), expiresAt) };
    return credential;
  }
}
