// Pipeline presets: sizes of every step of `loopsmith pipeline`, derived from one depth knob
// plus data budgets. Seeds of train and eval repositories come from disjoint ranges, and
// the eval stores hold eval-split repositories only, so no stage can see them.

export interface StageSteps {
  steps: number;
  batch: number;
  seq: number;
  lr: number;
}

export interface Preset {
  name: string;
  /** Model size knob (layers = depth, dim = 64 * depth). */
  depth: number;
  vocab: number;
  /** Context of the model (harness episodes are long). */
  maxSeq: number;
  /** Train-split tasks per curriculum stage, and the repositories they come from. */
  trainTasks: { s1: number; s2: number; seed: number; maxPerKind: number };
  /** Held-out tasks: repositories (>= 50 for a real figure), tasks per repo, per stage. */
  evalTasks: { repos: number; perRepo: number; s2Repos: number; seed: number };
  /** Teacher rollouts per train task (seeded variants of the oracle). */
  teacherN: number;
  /** Generated repositories in the pretraining corpus, and local code (MiB). */
  corpusSeeds: number;
  localMb: number;
  /** Drill repositories and drills per repo for light SFT. */
  drillRepos: number;
  drillsPerRepo: number;
  /** Induction drills before code (src/train/induction.ts): the heads that copy form here. */
  induction: StageSteps & { textbookSteps?: number };
  /**
   * copyFraction: share of code rows replaced by induction drills, which keep the heads
   * alive; lr: at 3e-3 pretraining erased the drilled heads in 800 steps, at 1e-3 it kept
   * them (teacher-forced code copied 59% vs 11% without a source; dev/LOG.md).
   */
  pretrain: StageSteps & { copyFraction: number };
  midtrain: StageSteps & { codeFraction: number };
  /**
   * Share of induction-drill rows in midtrain, sft and mid2: without them those stages eroded
   * the heads (teacher-forced code copy 73% -> 15% by mid2.1; with 10%: 53% / 36% / 61% after
   * midtrain / sft / 300 mid2 steps; dev/LOG.md, "train: copying, found").
   */
  drillFraction: number;
  sft: StageSteps;
  mid2: { s1: StageSteps; s2: StageSteps };
  /** On-policy correction after mid2 phase 1: student-led episodes on train tasks, expert labels. */
  dagger: { tasks: number; beta: number; maxTurns: number } & StageSteps;
  /**
   * teacherStart: train rollouts begin after the teacher's turns before its first edit
   * (rl-start.ts), where a policy that resolves nothing from the first turn can still be
   * rewarded; held-out rollouts always start from the first turn.
   */
  rl: { steps: number; group: number; tasksPerStep: number; teacherStart: boolean };
  /** Eval episodes: turn limit and which stages get the full held-out suite. */
  evalMaxTurns: number;
  /** Stages evaluated on a smaller quick suite (repos) before the final full one. */
  quickEvalRepos: number;
  /** Weight snapshots of mid2 phase 1 evaluated on the quick suite: a learning curve (0 = none). */
  curvePoints: number;
  /**
   * Held-out teacher episodes (one per eval-split repository of their own) every checkpoint
   * replays turn by turn (src/train/probe.ts): a cheap imitation measure beside resolved rate.
   */
  probeTasks: number;
}

export const PRESETS: Record<string, Preset> = {
  micro: {
    name: 'micro',
    depth: 1,
    vocab: 600,
    maxSeq: 2048,
    trainTasks: { s1: 6, s2: 3, seed: 1, maxPerKind: 1 },
    evalTasks: { repos: 2, perRepo: 1, s2Repos: 1, seed: 900_001 },
    teacherN: 1,
    corpusSeeds: 6,
    localMb: 0,
    drillRepos: 2,
    drillsPerRepo: 3,
    induction: { steps: 4, batch: 4, seq: 64, lr: 1e-3 },
    pretrain: { steps: 4, batch: 2, seq: 128, lr: 1e-3, copyFraction: 0.3 },
    midtrain: { steps: 3, batch: 2, seq: 256, lr: 3e-3, codeFraction: 0.3 },
    drillFraction: 0.1,
    sft: { steps: 3, batch: 1, seq: 1024, lr: 3e-3 },
    mid2: {
      s1: { steps: 3, batch: 1, seq: 2047, lr: 3e-3 },
      s2: { steps: 2, batch: 1, seq: 2047, lr: 3e-3 },
    },
    dagger: { tasks: 2, beta: 0.5, maxTurns: 3, steps: 2, batch: 1, seq: 2047, lr: 2e-3 },
    rl: { steps: 1, group: 2, tasksPerStep: 1, teacherStart: true },
    evalMaxTurns: 3,
    quickEvalRepos: 1,
    curvePoints: 2,
    probeTasks: 2,
  },
  // Conversation stages use the whole 2,048-token context: at 1,024 every teacher episode
  // (median 1,703 tokens) was cut after its first turns and the edit/finish turns were never
  // trained (measured in dev/LOG.md, "train").
  tiny: {
    name: 'tiny',
    depth: 2,
    vocab: 2048,
    maxSeq: 2048,
    trainTasks: { s1: 300, s2: 100, seed: 1, maxPerKind: 2 },
    evalTasks: { repos: 50, perRepo: 1, s2Repos: 20, seed: 900_001 },
    teacherN: 1,
    corpusSeeds: 300,
    localMb: 2,
    drillRepos: 60,
    drillsPerRepo: 3,
    induction: { steps: 2500, batch: 16, seq: 64, lr: 1e-3 },
    // 1,000 x 8 x 512 (4M tokens), not 150 x 8 x 256: after it, 300 mid2 steps copied the
    // test command in 21% and the searched name in 29% of the probe's turns; after the short
    // one (and midtrain, sft) 13% / 6%. Two chains, not one variable (dev/LOG.md).
    pretrain: { steps: 1000, batch: 8, seq: 512, lr: 1e-3, copyFraction: 0.3 },
    midtrain: { steps: 80, batch: 4, seq: 2047, lr: 2e-3, codeFraction: 0.3 },
    drillFraction: 0.1,
    sft: { steps: 40, batch: 4, seq: 2047, lr: 2e-3 },
    mid2: {
      s1: { steps: 300, batch: 4, seq: 2047, lr: 2e-3 },
      s2: { steps: 40, batch: 4, seq: 2047, lr: 1e-3 },
    },
    dagger: { tasks: 60, beta: 0.5, maxTurns: 10, steps: 60, batch: 4, seq: 2047, lr: 1.5e-3 },
    rl: { steps: 2, group: 4, tasksPerStep: 2, teacherStart: true },
    evalMaxTurns: 10,
    quickEvalRepos: 12,
    curvePoints: 4,
    probeTasks: 30,
  },
  small: {
    name: 'small',
    depth: 4,
    vocab: 4096,
    maxSeq: 4096,
    trainTasks: { s1: 1500, s2: 500, seed: 1, maxPerKind: 1 },
    evalTasks: { repos: 80, perRepo: 1, s2Repos: 40, seed: 900_001 },
    teacherN: 1,
    corpusSeeds: 2000,
    localMb: 8,
    drillRepos: 300,
    drillsPerRepo: 3,
    // At depth 4 the drills alone were at 3.5 nats after 1,200 steps (chance 5.5); 400
    // textbook steps first, then 500 of drills: 0.18 (rows of 32, vocab 256; dev/LOG.md).
    induction: { steps: 2000, batch: 32, seq: 32, lr: 1e-3, textbookSteps: 400 },
    pretrain: { steps: 1200, batch: 8, seq: 512, lr: 1e-3, copyFraction: 0.3 },
    midtrain: { steps: 300, batch: 4, seq: 2048, lr: 2e-3, codeFraction: 0.3 },
    drillFraction: 0.1,
    sft: { steps: 100, batch: 4, seq: 2048, lr: 1.5e-3 },
    mid2: {
      s1: { steps: 800, batch: 4, seq: 2048, lr: 1.5e-3 },
      s2: { steps: 200, batch: 4, seq: 2048, lr: 1e-3 },
    },
    dagger: { tasks: 100, beta: 0.5, maxTurns: 12, steps: 100, batch: 4, seq: 2048, lr: 1e-3 },
    rl: { steps: 4, group: 8, tasksPerStep: 2, teacherStart: true },
    evalMaxTurns: 12,
    quickEvalRepos: 30,
    curvePoints: 4,
    probeTasks: 40,
  },
};

/** Trainer settings of a stage from its preset steps: warmup 10%, held-out loss and checkpoints 6 times. */
export function stageSteps(
  s: StageSteps,
): StageSteps & { warmup: number; evalEvery: number; saveEvery: number } {
  return {
    ...s,
    warmup: Math.max(2, Math.round(s.steps / 10)),
    evalEvery: Math.max(1, Math.round(s.steps / 6)),
    saveEvery: Math.max(1, Math.round(s.steps / 6)),
  };
}
