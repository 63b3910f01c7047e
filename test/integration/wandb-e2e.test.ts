import { join } from "node:path";
import { expect, it } from "vitest";
import { launch } from "../../src/launch.ts";
import { describeWithEngine, wandbPython } from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const probe = join(import.meta.dirname, "wandb-probe.py");

const TOML = `[wandb]
project = "llm-sft"
entity = "my-team"
group = "smollm"
job_type = "train"
tags = ["sft", "baseline"]
notes = "from env.toml"
mode = "offline"

[local]
executor = "local"
env = { WANDB_DIR = "\${env:SANDBOX_TMP}", WANDB_SILENT = "true" }
`;

describeWithEngine("end-to-end oracle: the real wandb SDK inside a local job", wandbPython(), (python) => {
  async function runProbe(recipe: { tracking?: object; env?: Record<string, string> }) {
    const dir = tempDir();
    const sandbox = makeSandbox(dir, TOML, { SANDBOX_TMP: dir });
    const job = await launch({ name: "probe", command: [python, probe], ...recipe }, sandboxOptions(sandbox));
    const status = await job.wait();
    const lines: string[] = [];
    for await (const line of job.logs({ stream: "stdout" })) lines.push(line);
    expect(status, lines.join("\n")).toMatchObject({ state: "succeeded" });
    return {
      id: job.id,
      seen: JSON.parse(lines.find((l) => l.startsWith("{")) ?? "{}") as Record<string, unknown>,
    };
  }

  it("sees exactly env.toml's [wandb] values, the run named after the job", async () => {
    const { id, seen } = await runProbe({});
    expect(seen).toMatchObject({
      project: "llm-sft",
      entity: "my-team",
      group: "smollm",
      name: id,
      tags: ["sft", "baseline"],
      job_type: "train",
      notes: "from env.toml",
      offline: true,
      api_key_present: false,
    });
  });

  it("sees the recipe's tracking overrides and its resumable run id", async () => {
    const { seen } = await runProbe({
      tracking: {
        name: "ablation-3",
        group: "ablations",
        tags: ["lr=3e-4", "ablation"],
        notes: "recipe notes",
        jobType: "eval",
        resume: { runId: "abl-3" },
      },
    });
    expect(seen).toMatchObject({
      project: "llm-sft",
      entity: "my-team",
      group: "ablations",
      name: "ablation-3",
      tags: ["lr=3e-4", "ablation"],
      job_type: "eval",
      notes: "recipe notes",
      id: "abl-3",
    });
  });

  it("lets the recipe env win over everything", async () => {
    const { seen } = await runProbe({ env: { WANDB_PROJECT: "override", WANDB_RUN_GROUP: "g2" } });
    expect(seen).toMatchObject({ project: "override", group: "g2", entity: "my-team" });
  });
});
