"""Run inside a slipway job: start a W&B run from the environment alone and print what the SDK actually got."""

import json
import os

import wandb

run = wandb.init()
print(
    json.dumps(
        {
            "project": run.project,
            "entity": run.entity,
            "group": run.group,
            "name": run.name,
            "tags": list(run.tags),
            "job_type": run.job_type,
            "notes": run.notes,
            "id": run.id,
            "offline": run.settings._offline,
            "api_key_present": bool(os.environ.get("WANDB_API_KEY")),
        }
    ),
    flush=True,
)
run.finish()
