import type { JobState } from "../../job/job-state.ts";

/** The colour a state is shown in on a terminal. */
export function stateColour(state: JobState): "green" | "red" | "yellow" | "cyan" | "gray" {
  switch (state) {
    case "succeeded":
      return "green";
    case "failed":
      return "red";
    case "cancelled":
      return "yellow";
    case "running":
    case "pending":
      return "cyan";
    case "unknown":
      return "gray";
  }
}
