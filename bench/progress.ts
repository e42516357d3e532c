// `make bench` progress: which workload of how many runs now and about how long is left. The
// estimate is the plan's remaining seconds, scaled by how the finished steps compared with
// their plan (wrk start-up, warm-ups and peers add time the plan does not know). Pure.

export interface Step {
  /** What runs, e.g. `round 2/3 · get-by-pk`. */
  readonly label: string;
  /** Planned seconds of measuring (wrk durations, warm-ups). */
  readonly plannedSeconds: number;
}

/** 42 s, 3m05s, 1h02m. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export class Progress {
  private readonly steps: readonly Step[];
  private readonly now: () => number;
  private readonly started: number;
  private done = 0;
  private plannedDone = 0;

  constructor(steps: readonly Step[], now: () => number = Date.now) {
    this.steps = steps;
    this.now = now;
    this.started = now();
  }

  /** The line for starting step `index` (0-based); the steps before it count as done. */
  begin(index: number): string {
    for (; this.done < index && this.done < this.steps.length; this.done++) this.plannedDone += this.steps[this.done]!.plannedSeconds;
    const step = this.steps[index];
    if (step === undefined) return `[${index + 1}/${this.steps.length}]`;
    const remaining = this.steps.slice(index).reduce((sum, s) => sum + s.plannedSeconds, 0);
    const elapsed = (this.now() - this.started) / 1000;
    const scale = this.plannedDone > 0 && elapsed > 0 ? elapsed / this.plannedDone : 1;
    return `[${index + 1}/${this.steps.length}] ${step.label} — about ${formatDuration(remaining * scale)} left`;
  }
}
