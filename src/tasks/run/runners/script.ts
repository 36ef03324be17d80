// From the repository's own test command to the runner's invocation: follow `npm test` /
// `npm run X` into package.json scripts, keep the segment that starts the runner (not lint
// or build steps chained with && or a pipe into a TAP pretty-printer), drop its reporter
// flags. Word splitting is shell-like for quotes; anything fancier is kept verbatim.

/** Splits a command line on unquoted `&&`, `||`, `;` and `|`. */
export function segments(cmd: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | null = null;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i];
    if (quote) {
      if (c === quote) quote = null;
      cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      cur += c;
    } else if (c === ';' || c === '|' || (c === '&' && cmd[i + 1] === '&')) {
      out.push(cur.trim());
      cur = '';
      if (cmd[i + 1] === c) i++;
    } else cur += c;
  }
  out.push(cur.trim());
  return out.filter((s) => s !== '');
}

/** Shell-like words (quotes kept, so a word can be put back verbatim). */
export function words(seg: string): string[] {
  return seg.match(/(?:[^\s"']+|"[^"]*"|'[^']*')+/g) ?? [];
}

/**
 * The commands a command line stands for, each `npm test` / `npm run X` / `yarn X` / `pnpm X`
 * segment replaced by its script (recursively), joined with ` && ` (only the runner's
 * segment is run, so the separators do not matter).
 */
export function expandScripts(cmd: string, scripts: Record<string, string>, depth = 0): string {
  if (depth > 4) return cmd;
  return segments(cmd)
    .map((seg) => {
      const m = /^(?:npm|yarn|pnpm)(?:\s+run(?:-script)?)?\s+([\w:.-]+)\s*(.*)$/.exec(seg);
      if (!m) return seg;
      const name = m[1] === 't' ? 'test' : m[1];
      const body = scripts[name];
      if (body === undefined) return seg;
      const extra = m[2].replace(/^--\s*/, '');
      return `${expandScripts(body, scripts, depth + 1)}${extra ? ` ${extra}` : ''}`;
    })
    .join(' && ');
}

/** Whether a word starts `bin` (bare, `npx bin`, `./node_modules/.bin/bin`, `bin.js` paths). */
export function isBin(word: string, bin: string): boolean {
  const w = word.replace(/^["']|["']$/g, '');
  return (
    w === bin ||
    w.endsWith(`/.bin/${bin}`) ||
    w.endsWith(`/${bin}/bin/${bin}`) ||
    w.endsWith(`/${bin}/bin/${bin}.js`)
  );
}

/**
 * The segment of `cmd` that runs one of `bins`, from that word on (env assignments and
 * `npx` / `cross-env` before it kept), or null when no segment does.
 */
export function runnerSegment(cmd: string, bins: string[]): string | null {
  for (const seg of segments(cmd)) {
    const ws = words(seg);
    const at = ws.findIndex((w) => bins.some((b) => isBin(w, b)));
    if (at >= 0) return ws.join(' ');
  }
  return null;
}

/**
 * Drops flags from a word list: `flags` take a value (`-R dot`, `--reporter=dot`),
 * `switches` take none.
 */
export function dropFlags(ws: string[], flags: string[], switches: string[] = []): string[] {
  const out: string[] = [];
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    const name = w.split('=')[0];
    if (switches.includes(w)) continue;
    if (flags.includes(name)) {
      if (!w.includes('=')) i++;
      continue;
    }
    out.push(w);
  }
  return out;
}

/** Quotes a path for sh. */
export function sh(p: string): string {
  return `'${p.replace(/'/g, `'\\''`)}'`;
}
