/**
 * A problem that stops the diagnosis before it can say anything about the services: no outputs, no region, no
 * credentials, a refused call. The command prints its message as one line and exits with 2, never a stack trace.
 */
export class DiagnoseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiagnoseError";
  }
}
