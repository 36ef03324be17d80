// Compacts node:test's TAP output (what `node --test` prints when its output is not a
// terminal, i.e. always for an agent) before the model reads it. A run of 40 passing tests
// and 3 failures is ~170 lines and ~1,500 tokens of which only ~15 lines say anything: the
// failing tests, their errors, the first frames in the repository and the totals. Timings,
// YAML fences, `# Subtest:` echoes, stack frames inside Node and the children of suites
// that passed whole are dropped; the full output stays in the spill file.

/** Frames kept per failing test (those inside Node or node_modules are dropped first). @default 2 */
export const KEPT_FRAMES = 2;
/** Lines of one error message kept. @default 12 */
export const KEPT_ERROR_LINES = 12;

const TEST_LINE = /^(\s*)(not ok|ok) \d+ - /;
const SUMMARY = /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;
/** YAML keys of a failure worth reading; the rest (timings, codes, operators, expected and actual, which the error message already shows) are noise. */
const KEPT_KEYS = new Set(['error', 'stack', 'location']);

interface Out {
  indent: number;
  text: string;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
// A frame worth showing names a file of the repository with a line: not Node's own code,
// not a dependency, not a frame without a location ("async Promise.all (index 0)").
const repoFrame = (f: string) =>
  /[/\\][^()]*:\d+:\d+\)?$/.test(f.trim()) && !/\(node:|^node:|node_modules[/\\]/.test(f.trim());

/** The compacted text, or null when `text` is not node:test TAP output. */
export function compactNodeTestOutput(text: string): string | null {
  const lines = text.split('\n');
  if (!lines.some((l) => l === 'TAP version 13')) return null;
  const out: Out[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const trimmed = line.trim();
    if (trimmed === 'TAP version 13' || /^# Subtest: /.test(trimmed) || /^1\.\.\d+$/.test(trimmed))
      continue;
    if (SUMMARY.test(line)) {
      const [, key, value] = /^# (\w+) (.*)$/.exec(line) ?? [];
      // Totals that carry news: tests, pass, fail always; the others only when not zero.
      if (
        ['tests', 'pass', 'fail'].includes(key) ||
        (key !== 'duration_ms' && key !== 'suites' && value !== '0')
      )
        out.push({ indent: 0, text: line });
      continue;
    }
    const test = TEST_LINE.exec(line);
    if (!test) {
      out.push({ indent: indentOf(line), text: line.trimEnd() });
      continue;
    }
    const indent = test[1].length;
    const ok = test[2] === 'ok';
    // The YAML block after a test line: `---` ... `...` one level deeper.
    const yaml: string[] = [];
    if (lines[i + 1]?.trim() === '---') {
      let j = i + 2;
      while (j < lines.length && lines[j].trim() !== '...') yaml.push(lines[j++]);
      i = j;
    }
    const keys = parseYaml(yaml);
    const suite = /'suite'/.test(keys.get('type')?.[0] ?? '');
    if (ok) {
      // A suite that passed whole is one line: its children (printed before it) go.
      if (suite) while (out.length && out[out.length - 1].indent > indent) out.pop();
      out.push({ indent, text: line.trimEnd() });
      continue;
    }
    out.push({ indent, text: line.trimEnd() });
    if (suite) continue; // its failing children above say why
    const pad = ' '.repeat(indent + 2);
    const frames = (keys.get('stack') ?? []).filter(repoFrame);
    for (const [key, body] of keys) {
      if (!KEPT_KEYS.has(key)) continue;
      // The stack's first repository frame says the same as location, and more exactly.
      if (key === 'location' && frames.length) continue;
      const kept = key === 'stack' ? frames.slice(0, KEPT_FRAMES) : body.filter((b) => b.trim());
      if (key === 'stack' && kept.length === 0) continue;
      if (body.length <= 1 && key !== 'stack') {
        out.push({ indent: indent + 2, text: `${pad}${key}: ${body[0] ?? ''}`.trimEnd() });
        continue;
      }
      out.push({ indent: indent + 2, text: `${pad}${key}:` });
      const cut = kept.slice(0, KEPT_ERROR_LINES);
      for (const b of cut) out.push({ indent: indent + 4, text: `${pad}  ${b.trim()}` });
      if (kept.length > cut.length)
        out.push({
          indent: indent + 4,
          text: `${pad}  ... (${kept.length - cut.length} more lines)`,
        });
    }
  }
  // Blank lines left between dropped blocks carry nothing.
  return out
    .map((o) => o.text)
    .filter((t, k, all) => t !== '' || (k > 0 && all[k - 1] !== ''))
    .join('\n')
    .trim();
}

// A node:test YAML block as key -> lines: `key: value` (one line) or `key: |-` (the more
// deeply indented lines that follow).
function parseYaml(block: string[]): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  if (block.length === 0) return keys;
  const base = indentOf(block[0]);
  let current: string[] | undefined;
  for (const line of block) {
    const m = /^(\w+):\s?(.*)$/.exec(line.slice(base));
    if (m && indentOf(line) === base) {
      current = m[2] === '|-' || m[2] === '|' || m[2] === '' ? [] : [m[2]];
      keys.set(m[1], current);
    } else current?.push(line.slice(base + 2));
  }
  return keys;
}
