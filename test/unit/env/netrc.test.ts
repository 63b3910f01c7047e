import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { authenticators, NetrcParseError, parseNetrc, type NetrcFile } from "../../../src/env/netrc.ts";

/** Hosts as plain `[name, [login, account, password]]` rows, in file order. */
const rows = (file: NetrcFile): [string, string[]][] =>
  [...file.hosts].map(([name, e]) => [name, [e.login, e.account, e.password.reveal()]]);

describe("parseNetrc", () => {
  it.each([
    {
      name: "wandb login's block",
      text: "machine api.wandb.ai\n  login user\n  password k1\n",
      hosts: [["api.wandb.ai", ["user", "", "k1"]]],
    },
    {
      name: "one line, user and account",
      text: "machine a user u account acc password p",
      hosts: [["a", ["u", "acc", "p"]]],
    },
    {
      name: "machine with a port",
      text: "machine localhost:8080 password p\n",
      hosts: [["localhost:8080", ["", "", "p"]]],
    },
    { name: "missing fields are empty", text: "machine a\n", hosts: [["a", ["", "", ""]]] },
    { name: "default entry", text: "default login u password d\n", hosts: [["default", ["u", "", "d"]]] },
    {
      name: "machine named default is the default entry",
      text: "machine default password d",
      hosts: [["default", ["", "", "d"]]],
    },
    {
      name: "last duplicate wins, keeping its first position",
      text: "machine a password 1\nmachine b password 2\nmachine a password 3\n",
      hosts: [
        ["a", ["", "", "3"]],
        ["b", ["", "", "2"]],
      ],
    },
    {
      name: "double quotes keep spaces",
      text: 'machine "my host" password "p q"',
      hosts: [["my host", ["", "", "p q"]]],
    },
    {
      name: "backslash escapes",
      text: 'machine a login \\"u\\ v password "x\\"y"',
      hosts: [["a", ['"u v', "", 'x"y']]],
    },
    {
      name: "a closing quote ends the token",
      text: 'machine a password "x"\nmachine b',
      hosts: [
        ["a", ["", "", "x"]],
        ["b", ["", "", ""]],
      ],
    },
    { name: "single quotes are plain text", text: "machine a password 'p'", hosts: [["a", ["", "", "'p'"]]] },
    { name: "tabs separate tokens", text: "machine\ta\tpassword\tp", hosts: [["a", ["", "", "p"]]] },
    { name: "CRLF line ends", text: "machine a\r\n  password p\r\n", hosts: [["a", ["", "", "p"]]] },
    { name: "lone CR line ends", text: "# c x\rmachine a password p\r", hosts: [["a", ["", "", "p"]]] },
    {
      name: "top-level comment line",
      text: "# my keys here\nmachine a password p\n",
      hosts: [["a", ["", "", "p"]]],
    },
    {
      name: "top-level #word alone on its line",
      text: "#keys\nmachine a password p\n",
      hosts: [["a", ["", "", "p"]]],
    },
    {
      name: "comment inside an entry",
      text: "machine a\n  # old: x y\n  password p # new\n",
      hosts: [["a", ["", "", "p"]]],
    },
    { name: "a bare empty token ends parsing", text: '""\nmachine a password p\n', hosts: [] },
    {
      name: "an empty token inside an entry ends parsing",
      text: 'machine a "" machine b\n',
      hosts: [["a", ["", "", ""]]],
    },
    {
      name: "unterminated quote runs to the end",
      text: 'machine a password "p q',
      hosts: [["a", ["", "", "p q"]]],
    },
    {
      name: "a keyword can be a value",
      text: "machine a login machine",
      hosts: [["a", ["machine", "", ""]]],
    },
    { name: "non-ASCII", text: "machine ü password ß\n", hosts: [["ü", ["", "", "ß"]]] },
  ])("$name", ({ text, hosts }) => {
    expect(rows(parseNetrc(text))).toEqual(hosts);
  });

  it.each([
    {
      name: "body up to an empty line",
      text: "macdef init\ncd /\nls\n\nmachine a password p\n",
      macro: ["cd /\n", "ls\n"],
    },
    { name: "a space after the name ends the body at once", text: "macdef init \n\n", macro: [] },
  ])("macdef: $name", ({ text, macro }) => {
    expect(parseNetrc(text).macros.get("init")).toEqual(macro);
  });

  it.each([
    {
      name: "unknown top-level word",
      text: "\n\nfoo\n",
      message: 'line 3: expected "machine", "default" or "macdef"',
      line: 3,
    },
    {
      name: "a macdef body cut short by a space after its name (CPython quirk)",
      text: "macdef init \ncd /\n\n",
      message: 'line 2: expected "machine", "default" or "macdef"',
      line: 2,
    },
    {
      name: "top-level #word followed by text (CPython quirk)",
      text: "#wandb key\nmachine a password p\n",
      message: `line 1: expected "machine", "default" or "macdef" (Python's netrc ends a top-level "#word" comment after that word; write "# word")`,
      line: 1,
    },
    {
      name: "comment after an empty line at the top (CPython quirk)",
      text: "\n# my keys\nmachine a password p\n",
      message: `line 2: expected "machine", "default" or "macdef" (Python's netrc does not skip a comment line that follows an empty line)`,
      line: 2,
    },
    {
      name: "comment after an empty line inside an entry (CPython quirk)",
      text: "machine a password p\n\n# second key\n",
      message: `line 3: expected "login", "user", "account" or "password" in a machine entry (Python's netrc does not skip a comment line that follows an empty line)`,
      line: 3,
    },
    {
      name: "unknown entry field",
      text: "machine a\n  login u\n  port 443\n",
      message: 'line 3: expected "login", "user", "account" or "password" in a machine entry',
      line: 3,
    },
    {
      name: "text glued after a closing quote",
      text: 'machine a password "p"q',
      message: 'line 1: expected "login", "user", "account" or "password" in a machine entry',
      line: 1,
    },
    {
      name: "machine without a name",
      text: "machine a\nmachine\n",
      message: 'line 2: "machine" has no name',
      line: 2,
    },
    {
      name: "machine with an empty quoted name",
      text: 'machine ""',
      message: 'line 1: "machine" has no name',
      line: 1,
    },
    {
      name: "macdef without its empty line",
      text: "machine a\nmacdef init\ncd /\n",
      message: 'line 2: "macdef" body is not ended by an empty line',
      line: 2,
    },
    {
      name: "a BOM is text, as in Python's utf-8",
      text: "\ufeffmachine a password p\n",
      message: 'line 1: expected "machine", "default" or "macdef"',
      line: 1,
    },
  ])("rejects $name", ({ text, message, line }) => {
    let caught: unknown;
    try {
      parseNetrc(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetrcParseError);
    expect((caught as NetrcParseError).message).toBe(message);
    expect((caught as NetrcParseError).line).toBe(line);
  });

  it("never quotes the file in an error, so a misplaced key cannot leak", () => {
    expect(() => parseNetrc("machine a login user SECRETKEY123")).toThrow(/^(?!.*SECRETKEY123)/s);
  });

  it("keeps passwords out of printed forms", () => {
    const file = parseNetrc("machine a password hunter2");
    expect(inspect(file, { depth: 5 })).not.toContain("hunter2");
    expect(JSON.stringify([...file.hosts])).not.toContain("hunter2");
  });
});

describe("authenticators", () => {
  const file = parseNetrc("machine a password pa\ndefault password pd\nmachine b password pb\n");

  it.each([
    { machine: "a", password: "pa" },
    { machine: "b", password: "pb" },
    { machine: "c", password: "pd" },
    { machine: "A", password: "pd" },
  ])("$machine → $password", ({ machine, password }) => {
    expect(authenticators(file, machine)?.password.reveal()).toBe(password);
  });

  it("is undefined without a match or a default", () => {
    expect(authenticators(parseNetrc("machine a password p"), "b")).toBeUndefined();
  });
});
