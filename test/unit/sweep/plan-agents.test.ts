import { describe, expect, it } from "vitest";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import type { ExecutorContext } from "../../../src/executors/executor-module.ts";
import { localModule } from "../../../src/executors/local/module.ts";
import { slurmModule } from "../../../src/executors/slurm/module.ts";
import type { SlurmPlan } from "../../../src/executors/slurm/plan.ts";
import { JobStore } from "../../../src/store/job-store.ts";
import { isSecret } from "../../../src/secret.ts";
import { planAgents } from "../../../src/sweep/plan-agents.ts";
import { FOUND, LOCAL_PROFILE, SLURM_PROFILE, MISSING, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

const slurmProfile = SLURM_PROFILE;
const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const store = { store: new JobStore("/nonexistent/store") } as ExecutorContext;
const slurm = slurmModule.create(slurmProfile, tracking, {} as ExecutorContext);
const local = localModule.create(LOCAL_PROFILE, tracking, store);
const context = { cwd: "/repo", now: new Date("2025-01-01T00:00:00Z") };
const recipe = { name: "agent", env: { EXTRA: "1" } };

describe("W&B sweep agents", () => {
  it("are one array job on Slurm, task i being agent i, running wandb agent with the sweep path", () => {
    const planned = planAgents(
      recipe,
      { sweep: "acme/llm/abc123", agents: 3, count: 5 },
      slurm,
      context,
      "agent-x",
    );
    expect(planned.jobs).toHaveLength(1);
    const [job] = planned.jobs;
    expect(job?.id).toBe("agent-x");
    expect(job?.array).toBe("0-2");
    expect(job?.command).toEqual(["wandb", "agent", "--count", "5", "acme/llm/abc123"]);
    expect((planned.plans[0] as SlurmPlan).script).toContain("#SBATCH --array=0-2");
    expect(planned.runs.map((run) => [run.values, run.jobId, run.arrayIndex])).toEqual([
      [{ agent: "0" }, "agent-x", 0],
      [{ agent: "1" }, "agent-x", 1],
      [{ agent: "2" }, "agent-x", 2],
    ]);
  });

  it("are one job per agent elsewhere, each with its own id", () => {
    const planned = planAgents(recipe, { sweep: "llm/abc123", agents: 2 }, local, context, "agent-x");
    expect(planned.jobs).toHaveLength(2);
    expect(new Set(planned.jobs.map((job) => job.id)).size).toBe(2);
    expect(planned.runs.map((run) => run.jobId)).toEqual(planned.jobs.map((job) => job.id));
    // project/sweep-id takes the entity from [wandb]
    expect(planned.path.path).toBe("my-team/llm/abc123");
    expect(planned.jobs[0]?.command).toEqual(["wandb", "agent", "my-team/llm/abc123"]);
  });

  it("carry the key and the sweep's project, but no run id or name for the agent's runs to share", () => {
    const [job] = planAgents(recipe, { sweep: "acme/llm/abc123", agents: 1 }, local, context, "x").jobs;
    const key = job?.env["WANDB_API_KEY"];
    expect(isSecret(key) && key.reveal()).toBe(CANARY_KEY);
    expect(job?.env["WANDB_PROJECT"]).toBe("llm");
    expect(job?.env["WANDB_ENTITY"]).toBe("acme");
    expect(job?.env["EXTRA"]).toBe("1");
    expect(job?.env["WANDB_NAME"]).toBeUndefined();
    expect(job?.env["WANDB_RUN_ID"]).toBeUndefined();
    expect(job?.rankZeroEnv).toEqual({});
    expect(job?.wandbUrl).toBeUndefined();
    expect(JSON.stringify(job?.command)).not.toContain(CANARY_KEY);
  });

  it.each([
    [{ sweep: "acme/llm/abc123", agents: 0 }, "--agents 0: expected a whole number from 1 to 1000"],
    [{ sweep: "acme/llm/abc123", agents: 1001 }, "--agents 1001: expected a whole number from 1 to 1000"],
    [
      { sweep: "acme/llm/abc123", agents: 1, count: 0 },
      "--count 0: expected a whole number of runs per agent, at least 1",
    ],
    [{ sweep: "abc123", agents: 1 }, "not a W&B sweep path: expected entity/project/sweep-id"],
    [
      { sweep: "acme/llm/abc-123", agents: 1 },
      'the sweep id "abc-123" of --wandb-sweep acme/llm/abc-123 is not a W&B sweep id',
    ],
  ])("refuse %j before anything starts", (agents, message) => {
    expect(() => planAgents(recipe, agents, local, context, "x")).toThrow(message);
  });

  it("refuse torchrun, several nodes, an array, and tracking without a key or offline", () => {
    const agents = { sweep: "acme/llm/abc123", agents: 2 };
    expect(() => planAgents({ ...recipe, launcher: "torchrun" }, agents, local, context, "x")).toThrow(
      "a W&B agent starts the program itself",
    );
    expect(() => planAgents({ ...recipe, resources: { nodes: 2 } }, agents, slurm, context, "x")).toThrow(
      "an agent runs on one node, and this launch asks for 2",
    );
    expect(() => planAgents({ ...recipe, array: "0-3" }, agents, slurm, context, "x")).toThrow(
      "W&B agents are already an array on Slurm",
    );
    const keyless = localModule.create(
      LOCAL_PROFILE,
      resolveTrackingEnv({ settings: WANDB, detection: MISSING, file: "/repo/env.toml" }),
      store,
    );
    expect(() => planAgents(recipe, agents, keyless, context, "x")).toThrow(
      "a W&B agent fetches its runs from W&B and needs an API key: no API key",
    );
    expect(() =>
      planAgents({ ...recipe, env: { WANDB_MODE: "offline" } }, agents, local, context, "x"),
    ).toThrow("profile local sets WANDB_MODE=offline");
  });
});
