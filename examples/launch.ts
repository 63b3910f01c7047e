// The library API in a script: `node examples/launch.ts` (Node 22.18+ runs TypeScript directly).
import { launch } from "../src/index.ts";

const job = await launch(
  {
    name: "logreg",
    command: ["python3", "examples/train.py", "--epochs", "5"],
    tracking: { group: "examples", tags: ["api"] },
  },
  { profile: "local", config: "examples/env.toml" },
);
for await (const line of job.logs({ follow: true })) console.log(line);
console.log(await job.wait());
