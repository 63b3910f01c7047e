import { createExperiment, spawnSupervisor } from "../../experiment/launch-experiment.ts";
import { readExperiment } from "../../experiment/experiment-store.ts";
import { liveSupervisor, superviseExperiment } from "../../experiment/supervise-experiment.ts";
import { runtimeOf } from "../../runtime.ts";
import { printJson, say } from "../output.ts";
import { SlipwayError } from "../../errors.ts";

/**
 * `slipway run <file>` and `slipway run --resume <id>`: records the experiment (or takes up a recorded one) and
 * starts its supervisor as a detached process, then prints the id and how to follow it.
 */
export async function runRun(
  file: string | undefined,
  flags: { readonly resume?: string; readonly config?: string; readonly json?: true },
): Promise<number> {
  const runtime = runtimeOf();
  let record;
  if (flags.resume !== undefined) {
    record = readExperiment(runtime.store, flags.resume);
    const owner = liveSupervisor(record);
    if (owner !== undefined) {
      throw new SlipwayError(
        "RECIPE_INVALID",
        `experiment ${record.id} is supervised already (pid ${owner})`,
        {
          hint: `slipway status ${record.id} follows it; slipway cancel ${record.id} stops it`,
        },
      );
    }
  } else {
    if (file === undefined) {
      throw new SlipwayError("RECIPE_INVALID", "slipway run needs an experiment file, or --resume <id>", {
        hint: "e.g. slipway run experiment.toml (examples/experiment.toml shows the keys)",
      });
    }
    record = await createExperiment(file, runtime, flags.config);
  }
  const pid = spawnSupervisor(record, runtime, process.argv[1] ?? "slipway");
  if (flags.json === true) printJson({ id: record.id, supervisor: pid });
  else {
    process.stdout.write(`${record.id}\n`);
    say(`supervisor started (pid ${pid}); follow it with: slipway status ${record.id}`);
  }
  return 0;
}

/** `slipway __supervise <id>`: the detached supervisor's own entry (hidden). */
export async function runSupervise(id: string): Promise<number> {
  const final = await superviseExperiment(id, { runtime: runtimeOf() });
  return final.steps.every((step) => step.state === "succeeded") ? 0 : 1;
}
