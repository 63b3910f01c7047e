/**
 * Quotes one word for POSIX shells: unchanged when it is plainly safe, else in single quotes with `'` written as
 * `'\''`. Rejects NUL, which no shell word can hold.
 *
 * @example
 * ```ts
 * shq("--lr=3e-4"); // --lr=3e-4
 * shq("it's $HOME"); // 'it'\''s $HOME'
 * ```
 */
export function shq(word: string): string {
  if (word.includes("\0")) throw new Error("a shell word cannot contain a NUL character");
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", "'\\''")}'`;
}

/** Quotes every word of an argv and joins them with spaces. */
export function shqJoin(argv: readonly string[]): string {
  return argv.map(shq).join(" ");
}
