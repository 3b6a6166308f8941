/**
 * How this repository's command-line scripts start: `main` returns the exit code; an error it does not handle
 * itself is a bug, printed with its stack and the given code.
 */
export function runCli(main: (argv: string[]) => Promise<number>, crashCode: number): void {
  // ts-node's source-map support would rewrite every stack trace; the scripts' own errors print none.
  (Error as { prepareStackTrace?: unknown }).prepareStackTrace = undefined;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(crashCode);
    },
  );
}
