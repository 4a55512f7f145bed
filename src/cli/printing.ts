/**
 * Runs a command that produces text: prints it, or prints `<command>: <why>` to stderr and
 * sets exit code 1, so every command fails the same way, naming itself.
 */
export async function printing(command: string, produce: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(await produce());
  } catch (error) {
    process.stderr.write(`${command}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
