/**
 * Makes output into a closed pipe end the command quietly, as `git log | head` does: `slipway logs id | head -3`
 * exits 0 once `head` has what it wants, instead of dying on an unhandled EPIPE with Node's stack.
 */
export function endQuietlyOnClosedPipe(exit: (code: number) => never = (code) => process.exit(code)): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") exit(0);
      throw error;
    });
  }
}
