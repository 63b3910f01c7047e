/** The error `body` throws (or rejects with); fails the test when it does not throw. */
export function thrown(body: () => unknown): Error & { code?: string; hint?: string } {
  try {
    body();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`, { cause: error });
  }
  throw new Error("expected an error, but nothing was thrown");
}
