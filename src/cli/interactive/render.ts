// What the person sees: streamed text as it comes, each tool call on one line (a command
// with its exit code; an edit as a coloured diff), and a status line when a message is done.
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { AgentEvent } from '../../harness/events.js';

const useColour = !process.env.NO_COLOR;
const paint = (code: string) => (s: string) => (useColour ? `\x1b[${code}m${s}\x1b[0m` : s);
export const c = {
  dim: paint('2'),
  red: paint('31'),
  green: paint('32'),
  yellow: paint('33'),
  cyan: paint('36'),
  bold: paint('1'),
};

const oneLine = (s: string, n: number) => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

/** Colours a unified diff: additions green, removals red, hunk headers cyan. */
export function colourDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) =>
      l.startsWith('+++') || l.startsWith('---')
        ? c.bold(l)
        : l.startsWith('+')
          ? c.green(l)
          : l.startsWith('-')
            ? c.red(l)
            : l.startsWith('@@')
              ? c.cyan(l)
              : l,
    )
    .join('\n');
}

/** The changed lines of one file as `-`/`+` lines with a little context (one hunk). */
export function lineDiff(before: string, after: string, context = 2, max = 40): string {
  const a = before.split('\n');
  const b = after.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - context);
  const lines = [
    `@@ -${from + 1} +${from + 1} @@`,
    ...a.slice(from, start).map((l) => ` ${l}`),
    ...a.slice(start, endA).map((l) => `-${l}`),
    ...b.slice(start, endB).map((l) => `+${l}`),
    ...a.slice(endA, Math.min(a.length, endA + context)).map((l) => ` ${l}`),
  ];
  const shown = lines.slice(0, max);
  if (lines.length > max) shown.push(`… ${lines.length - max} more lines`);
  return shown.join('\n');
}

function parse(args: string): Record<string, unknown> {
  try {
    const v = JSON.parse(args);
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

const readOr = (p: string) => {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return '';
  }
};

/** An event sink writing to `out`; file contents before an edit are read when it starts. */
export function terminalRenderer(root: string, out: (s: string) => void) {
  const before = new Map<string, { path: string; text: string }>();
  let streamed = false;
  let midLine = false;
  const write = (s: string) => {
    if (!s) return;
    out(s);
    midLine = !s.endsWith('\n');
  };
  const line = (s: string) => write(`${midLine ? '\n' : ''}${s}\n`);
  return (e: AgentEvent) => {
    switch (e.type) {
      case 'turn.started':
        streamed = false;
        break;
      case 'model.delta':
        if ('text' in e && e.text) {
          streamed = true;
          write(e.text);
        }
        break;
      case 'model.restart':
        line(c.yellow(`(${e.reason}; the reply starts again)`));
        break;
      case 'model.response':
        if (!streamed && e.text?.trim()) write(e.text.trim());
        if (midLine) write('\n');
        break;
      case 'tool.started': {
        const a = parse(e.arguments);
        if ((e.name === 'edit' || e.name === 'write') && typeof a.path === 'string') {
          const abs = isAbsolute(a.path) ? a.path : join(root, a.path);
          before.set(e.id, { path: a.path, text: readOr(abs) });
        }
        if (e.name === 'bash') line(c.dim(`$ ${oneLine(String(a.command ?? ''), 200)}`));
        break;
      }
      case 'tool.completed': {
        const ms = c.dim(`${e.ms}ms`);
        if (e.formatError) {
          line(c.yellow(`! ${e.name}: ${oneLine(e.output, 160)}`));
        } else if (e.name === 'bash' && e.exitCode !== undefined) {
          const code = e.exitCode;
          const mark =
            code === 0 ? c.green('exit 0') : c.red(code === null ? 'killed' : `exit ${code}`);
          line(`  ${mark} ${ms}`);
        } else if (e.name === 'bash') {
          // Not run (declined, refused): say why.
          line(`  ${e.isError ? c.red('✗') : c.dim('·')} ${oneLine(e.output, 160)}`);
        } else if (before.has(e.id)) {
          const b = before.get(e.id) as { path: string; text: string };
          before.delete(e.id);
          if (e.isError) line(c.red(`✗ ${e.name} ${b.path}: ${oneLine(e.output, 160)}`));
          else {
            line(`${c.bold(`${e.name} ${b.path}`)} ${ms}`);
            line(
              colourDiff(
                lineDiff(b.text, readOr(isAbsolute(b.path) ? b.path : join(root, b.path))),
              ),
            );
          }
        } else if (e.name === 'finish') {
          // The summary is shown by the status line.
        } else {
          const mark = e.isError ? c.red('✗') : c.dim('·');
          line(`${mark} ${e.name} ${c.dim(oneLine(e.output.split('\n')[0] ?? '', 100))} ${ms}`);
        }
        break;
      }
      case 'compaction':
        line(c.dim(`(context compacted: ${e.kind}, ${e.tokensBefore} -> ${e.tokensAfter} tokens)`));
        break;
      case 'send.completed': {
        const tokens = c.dim(`${e.usage.totalTokens} tokens`);
        if (e.status === 'submitted')
          line(`${c.green('✓ done')}${e.summary ? ` ${e.summary}` : ''} · ${tokens}`);
        else if (e.status === 'replied') line(c.dim(`· ${e.usage.totalTokens} tokens`));
        else if (e.status === 'cancelled') line(c.yellow('cancelled; the session goes on'));
        else line(c.red(`${e.status}${e.message ? `: ${e.message}` : ''}`));
        break;
      }
      default:
        break;
    }
  };
}
