import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..", "..");

function shellScripts(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return shellScripts(path);
    return entry.name.endsWith(".sh") ? [path] : [];
  });
}

// The engine scripts run only where an engine is installed (as root, some for minutes): a syntax error in a branch
// such as the cold build's would otherwise show first in CI.
const SCRIPTS = [...shellScripts(join(ROOT, "scripts")), join(ROOT, ".ci", "run")].map((path) =>
  relative(ROOT, path),
);

describe("shell scripts", () => {
  it.each(SCRIPTS)("%s parses (bash -n)", (path) => {
    const result = spawnSync("bash", ["-n", join(ROOT, path)], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
    expect({ status: result.status, stderr: result.stderr }).toEqual({ status: 0, stderr: "" });
  });
});
