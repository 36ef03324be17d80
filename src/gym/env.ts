// The environment: one task, one model, one episode of the very same `runAgent` that
// `loopsmith run` uses, in a sandboxed throwaway workspace, then grading and reward.
import { type AgentOptions, runAgent } from '../harness/agent.js';
import type { Trajectory } from '../harness/trajectory.js';
import type { Model } from '../providers/model.js';
import { createSandbox } from '../sandbox/index.js';
import { type ExecMemo, memoSandbox } from './exec-memo.js';
import {
  computeReward,
  type Grade,
  gradeWorkspace,
  type Reward,
  type RewardOptions,
} from './grade.js';
import { sandboxTestRunner, type TestRunner } from './testrun.js';
import {
  agentFiles,
  createWorkspace,
  type GymTask,
  linkDeps,
  testFileContents,
} from './workspace.js';

export interface EpisodeOptions {
  /** @default 'bwrap' */
  sandbox: 'bwrap' | 'none';
  /** Harness limits and hooks, passed to runAgent unchanged. @default {} (the harness defaults) */
  agent: Partial<AgentOptions>;
  /** @default sandboxTestRunner */
  runner: TestRunner;
  /** @default DEFAULT_REWARD_OPTIONS (resolved 1/0, no token cost) */
  reward: Partial<RewardOptions>;
  /** Limit for the grading test run. @default 120_000 */
  testTimeoutMs: number;
  /** Parent directory of workspaces. @default os.tmpdir() */
  workDir?: string;
  /** Keep the workspace after grading (for debugging). @default false */
  keepWorkspace: boolean;
  /**
   * Host paths the agent must not see, e.g. the task store and the run directory: they hold
   * gold patches and hidden tests, and the host filesystem is otherwise readable. @default []
   */
  hidePaths: string[];
  /**
   * Reuse the results of the agent's commands across episodes when the command and the
   * whole workspace are identical (see exec-memo.ts; deterministic repositories only).
   * Grading is never reused. @default undefined (every command runs)
   */
  execMemo?: ExecMemo;
}

export const DEFAULT_EPISODE_OPTIONS: EpisodeOptions = {
  sandbox: 'bwrap',
  agent: {},
  runner: sandboxTestRunner,
  reward: {},
  testTimeoutMs: 120_000,
  keepWorkspace: false,
  hidePaths: [],
};

/** Where the time of one rollout went, in milliseconds. */
export interface Timings {
  materializeMs: number;
  /** The whole runAgent call. */
  agentMs: number;
  /** Waiting for the model. */
  modelMs: number;
  /** Running tools (bash included). */
  toolMs: number;
  /** Of toolMs: sandboxed `bash` commands. */
  bashMs: number;
  /** agentMs - modelMs - toolMs: the loop's own work (prompt, snapshot, diff, saving). */
  harnessMs: number;
  /** Building the clean grading copy (tests restored, canaries in) and running the tests. */
  gradeMs: number;
  totalMs: number;
}

export interface Episode {
  trajectory: Trajectory;
  grade: Grade;
  reward: Reward;
  timings: Timings;
}

/** Runs one graded episode of `model` on a task. */
export async function runEpisode(
  gt: GymTask,
  model: Model,
  options: Partial<EpisodeOptions> = {},
): Promise<Episode> {
  const o = { ...DEFAULT_EPISODE_OPTIONS, ...options };
  const t0 = performance.now();
  const start = agentFiles(gt);
  const ws = await createWorkspace(start, { parent: o.workDir });
  try {
    const exposePaths = await linkDeps(ws.root, gt.deps);
    const t1 = performance.now();
    const sandbox = createSandbox(o.sandbox, ws.root, { hidePaths: o.hidePaths, exposePaths });
    const agentSandbox = o.execMemo ? memoSandbox(sandbox, o.execMemo) : sandbox;
    const trajectory = await runAgent(gt.task.statement, model, agentSandbox, {
      ...o.agent,
      extra: { taskId: gt.task.id, ...o.agent.extra },
    });
    const t2 = performance.now();
    const { grade } = await gradeWorkspace(
      sandbox,
      {
        testCmd: gt.task.testCmd,
        failToPass: gt.task.failToPass,
        passToPass: gt.task.passToPass,
        testFiles: testFileContents(gt),
        startFiles: start,
        repoFiles: { ...start, ...testFileContents(gt) },
        ...(gt.deps ? { deps: gt.deps } : {}),
      },
      o.runner,
      {
        timeoutMs: o.testTimeoutMs,
        workDir: o.workDir,
        makeSandbox: (root) =>
          createSandbox(o.sandbox, root, { hidePaths: o.hidePaths, exposePaths }),
      },
    );
    const t3 = performance.now();
    const reward = computeReward(grade, trajectory.usage.totalTokens, o.reward);
    const modelMs = sum(trajectory.turns.map((t) => t.modelMs));
    const tools = trajectory.turns.flatMap((t) => t.tools);
    const toolMs = sum(tools.map((t) => t.ms));
    const agentMs = t2 - t1;
    const timings: Timings = {
      materializeMs: round(t1 - t0),
      agentMs: round(agentMs),
      modelMs: round(modelMs),
      toolMs: round(toolMs),
      bashMs: round(sum(tools.filter((t) => t.name === 'bash').map((t) => t.ms))),
      harnessMs: round(Math.max(0, agentMs - modelMs - toolMs)),
      gradeMs: round(t3 - t2),
      totalMs: round(performance.now() - t0),
    };
    return { trajectory, grade, reward, timings };
  } finally {
    if (!o.keepWorkspace) await ws.dispose();
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const round = (x: number) => Math.round(x * 10) / 10;
