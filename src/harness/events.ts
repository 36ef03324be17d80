// Events the loop emits while it runs: `--json` prints one per line, the human printer
// renders them as progress. The loop never writes to stdout itself.
import type { RunStatus, SendStatus } from './status.js';

export interface UsageTotals {
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  totalTokens: number;
  /** True when any turn's usage was estimated rather than reported by the server. */
  estimated: boolean;
}

export type AgentEvent =
  | {
      type: 'session.started';
      id: string;
      model: string;
      repo: string;
      sandbox: string;
      task: string;
      /** True when the session continues a saved trajectory. */
      resumed: boolean;
    }
  | { type: 'turn.started'; turn: number }
  /** A streamed piece of the reply (providers that stream): text, or part of a tool call. */
  | { type: 'model.delta'; turn: number; text: string }
  | {
      type: 'model.delta';
      turn: number;
      toolCall: { index: number; id?: string; name?: string; arguments?: string };
    }
  /** The stream was cut and the call retried: pieces shown for this turn are void. */
  | { type: 'model.restart'; turn: number; reason: string }
  /** Earlier context was shortened before this turn (see Trajectory.compactions). */
  | {
      type: 'compaction';
      turn: number;
      kind: 'elide' | 'summary';
      tokensBefore: number;
      tokensAfter: number;
    }
  | {
      type: 'model.response';
      turn: number;
      usage: {
        promptTokens: number;
        completionTokens: number;
        cachedTokens?: number;
        estimated: boolean;
      };
      ms: number;
      text: string | null;
      toolCalls: number;
    }
  | { type: 'tool.started'; turn: number; id: string; name: string; arguments: string }
  | {
      type: 'tool.completed';
      turn: number;
      id: string;
      name: string;
      ms: number;
      isError: boolean;
      formatError: boolean;
      exitCode?: number | null;
      truncated: boolean;
      output: string;
    }
  | { type: 'turn.completed'; turn: number; usage: UsageTotals }
  /** The end of one `Session.send`: the agent waits for the next user message. */
  | {
      type: 'send.completed';
      status: SendStatus;
      message?: string;
      summary?: string;
      usage: UsageTotals;
    }
  | {
      type: 'session.completed';
      status: RunStatus;
      exitCode: number;
      usage: UsageTotals;
      turns: number;
      ms: number;
      message?: string;
      summary?: string;
      trajectory?: string;
    };

export type EventSink = (event: AgentEvent) => void;

/** One JSON object per line on the given stream (default stdout). */
export function jsonlSink(
  write: (line: string) => void = (l) => process.stdout.write(l),
): EventSink {
  return (event) => write(`${JSON.stringify(event)}\n`);
}

const clip = (s: string, n: number) => {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
};

/** Readable progress for a person, on stderr so stdout stays clean for pipes. */
export function humanSink(
  write: (line: string) => void = (l) => process.stderr.write(l),
): EventSink {
  return (e) => {
    switch (e.type) {
      case 'session.started':
        write(`loopsmith · model ${e.model} · sandbox ${e.sandbox} · ${e.repo}\n`);
        break;
      case 'model.response':
        if (e.text?.trim()) write(`  ${clip(e.text, 160)}\n`);
        break;
      case 'tool.started':
        write(`[${e.turn}] ${e.name} ${clip(e.arguments, 100)}\n`);
        break;
      case 'tool.completed': {
        const mark = e.formatError ? '! format error' : e.isError ? '✗' : '✓';
        const code = e.exitCode !== undefined && e.exitCode !== null ? ` exit ${e.exitCode}` : '';
        write(
          `    ${mark}${code} ${e.ms}ms${e.truncated ? ' (output cut)' : ''} ${clip(e.output, 120)}\n`,
        );
        break;
      }
      case 'session.completed':
        write(
          `${e.status} (exit ${e.exitCode}) · ${e.turns} turns · ${e.usage.totalTokens} tokens` +
            `${e.usage.estimated ? ' (estimated)' : ''} · ${(e.ms / 1000).toFixed(1)}s` +
            `${e.message ? `\n${e.message}` : ''}${e.summary ? `\nsummary: ${e.summary}` : ''}` +
            `${e.trajectory ? `\ntrajectory: ${e.trajectory}` : ''}\n`,
        );
        break;
      default:
        break;
    }
  };
}
