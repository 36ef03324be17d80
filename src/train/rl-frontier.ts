// Which tasks an RL step samples: those whose estimated pass rate is nearest 50%, where a
// binary reward carries the most signal (a group's reward variance is p(1-p)). A task the
// model solved in every rollout of a group, or in none, is set aside for a few steps and
// then revisited (the policy moves; a task once out of reach may come within it).
import { Rng } from '../lm/rng.js';

export interface TaskStat {
  /** Decayed rollout count and solve count (recent groups weigh more). */
  n: number;
  s: number;
  /** Last RL step that sampled the task; -1 when never. */
  last: number;
  /** Set aside until this step (exclusive); 0 when not aside. */
  asideUntil: number;
}

export interface FrontierOptions {
  /** Steps an always/never-solved task waits before it is sampled again. @default 5 */
  revisitAfter: number;
  /** Weight kept by older outcomes when a new group is recorded. @default 0.5 */
  decay: number;
}

export const DEFAULT_FRONTIER: FrontierOptions = { revisitAfter: 5, decay: 0.5 };

/** The per-task pass-rate estimates; serialisable so a resumed run picks the same tasks. */
export class Frontier {
  readonly stats: Record<string, TaskStat>;
  private readonly o: FrontierOptions;

  constructor(
    readonly taskIds: string[],
    saved: Record<string, TaskStat> = {},
    opts: Partial<FrontierOptions> = {},
  ) {
    this.o = { ...DEFAULT_FRONTIER, ...opts };
    this.stats = {};
    for (const id of taskIds) this.stats[id] = saved[id] ?? { n: 0, s: 0, last: -1, asideUntil: 0 };
  }

  /** Posterior mean pass rate under a uniform prior: 0.5 for a task never tried. */
  passRate(id: string): number {
    const t = this.stats[id];
    return (t.s + 1) / (t.n + 2);
  }

  /**
   * `count` tasks for `step`: not set aside, highest p(1-p) first, ties broken by a
   * seeded shuffle; topped up with the set-aside tasks that have waited longest.
   */
  pick(step: number, count: number, seed: number): string[] {
    const rng = new Rng((seed * 1_000_003 + step) >>> 0);
    const order = this.taskIds.map((id) => ({ id, r: rng.next() }));
    const score = (id: string) => {
      const p = this.passRate(id);
      return p * (1 - p);
    };
    const open = order.filter((x) => this.stats[x.id].asideUntil <= step);
    open.sort((a, b) => score(b.id) - score(a.id) || a.r - b.r);
    const chosen = open.slice(0, count).map((x) => x.id);
    if (chosen.length < count) {
      const aside = order
        .filter((x) => this.stats[x.id].asideUntil > step)
        .sort((a, b) => this.stats[a.id].asideUntil - this.stats[b.id].asideUntil || a.r - b.r);
      chosen.push(...aside.slice(0, count - chosen.length).map((x) => x.id));
    }
    return chosen;
  }

  /** Records a group's outcomes (unmasked rollouts only) sampled at `step`. */
  record(id: string, solved: boolean[], step: number): void {
    const t = this.stats[id];
    if (!t) return;
    t.n = t.n * this.o.decay + solved.length;
    t.s = t.s * this.o.decay + solved.filter(Boolean).length;
    t.last = step;
    const all = solved.length > 1 && solved.every(Boolean);
    const none = solved.length > 1 && solved.every((x) => !x);
    t.asideUntil = all || none ? step + 1 + this.o.revisitAfter : 0;
  }

  /** Tasks currently set aside at `step`, by kind. */
  aside(step: number): { always: number; never: number } {
    let always = 0;
    let never = 0;
    for (const id of this.taskIds) {
      const t = this.stats[id];
      if (t.asideUntil <= step) continue;
      if (t.s / Math.max(t.n, 1e-9) > 0.5) always++;
      else never++;
    }
    return { always, never };
  }
}
