/** Shared types of the benchmark sections (see bench/run.ts). */
export interface BenchRow {
  /** Section name, e.g. "env", "models", "render", "train". */
  section: string;
  /** What was measured, e.g. "HalfCheetah-v5 env steps, random actions, 1 thread". */
  name: string;
  value: number;
  /** e.g. "steps/s", "us", "ms", "fps". */
  unit: string;
  notes?: string;
}

export interface BenchContext {
  /** Shorter runs (used by tests that check the bench script itself works). */
  quick: boolean;
  /** Progress messages, written to stderr unless --json. */
  log: (message: string) => void;
}
