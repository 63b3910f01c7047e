/** The text of one OpenSSH client config file and its path (for messages). */
export interface SshConfigText {
  readonly path: string;
  readonly text: string;
}

/** What resolving touches, injected so that it stays pure for tests. */
export interface SshConfigIo {
  /** The local user's home: `~`, `%d`, and the base of relative `Include` paths (`~/.ssh`). */
  readonly homeDir: string;
  /** The local user name: `%u`, and the login name when neither the caller nor the config gives one. */
  readonly localUser: string;
  /** A file's text, or `undefined` when it does not exist (for `Include`). */
  readonly readFile: (path: string) => string | undefined;
  /** The entry names of a directory, `[]` when it does not exist (for `Include` globs). */
  readonly listDir: (path: string) => readonly string[];
}
