import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { bwrapAvailable } from '../../sandbox/index.js';
import { BASH_LIMITS, bashTool, headTail } from './bash.js';
import { readTool } from './read.js';
import { workspace } from './testutil.js';

test('headTail keeps whole text under the caps and cuts lines, then characters', () => {
  assert.equal(headTail('a\nb', 2, 100), null);
  const lines = Array.from({ length: 10 }, (_, i) => `l${i}`).join('\n');
  assert.deepEqual(headTail(lines, 2, 1000), {
    head: 'l0\nl1',
    tail: 'l8\nl9',
    cutLines: 6,
    cutChars: lines.length - 10,
  });
  const wide = 'x'.repeat(50);
  const cut = headTail(wide, 2, 20);
  assert.equal(cut?.head.length, 10);
  assert.equal(cut?.tail.length, 10);
  assert.equal(cut?.cutChars, 30);
});

for (const kind of ['none', 'bwrap'] as const) {
  const skip =
    kind === 'bwrap' && !bwrapAvailable().ok ? `bwrap unusable: ${bwrapAvailable().reason}` : false;
  describe(`bash in the ${kind} sandbox`, { skip }, () => {
    const ws = workspace({ 'hello.txt': 'hi\n' }, kind);
    after(() => ws.dispose());
    const bash = (command: string, timeout?: number) =>
      bashTool.execute({ command, timeout }, ws.ctx);

    test('runs in the workspace root and reports the exit code', async () => {
      const ok = await bash('cat hello.txt && pwd');
      // bwrap shows the workspace at its fixed path, none at the host path.
      assert.equal(ok.output, `hi\n${kind === 'bwrap' ? '/repo' : ws.root}\n[exit code 0]`);
      assert.equal(ok.isError, false);
      const bad = await bash('echo oops >&2; exit 3');
      assert.equal(bad.output, 'oops\n[exit code 3]');
      assert.equal(bad.isError, true);
      assert.equal(bad.meta?.exitCode, 3);
      assert.equal((await bash('true')).output, '(no output)\n[exit code 0]');
    });

    test('colour codes and carriage-return redraws are cleaned from the observation', async () => {
      const r = await bash("printf '\\033[31mred\\033[0m\\n10%%\\r50%%\\r100%%\\n'");
      assert.equal(r.output, 'red\n100%\n[exit code 0]');
    });

    test('a command past its timeout is killed and reported', async () => {
      const r = await bash('echo start; sleep 30', 0.5);
      assert.match(r.output, /^start\n\[timed out after 0\.5 s; process killed\]$/);
      assert.equal(r.meta?.timedOut, true);
    });

    test('long output is cut to head + tail and the full text is saved where read reaches it', async () => {
      const r = await bash('seq 1 5000');
      const lines = r.output.split('\n');
      assert.equal(lines[0], '1');
      assert.equal(lines[BASH_LIMITS.headTailLines - 1], String(BASH_LIMITS.headTailLines));
      const note = lines[BASH_LIMITS.headTailLines];
      const m =
        /^\[\.\.\. output cut \(4800 lines, \d+ chars cut\); full output: (\.loopsmith\/out\/\d+\.txt) \.\.\.\]$/.exec(
          note,
        );
      assert.ok(m, note);
      assert.equal(lines.at(-2), '5000');
      assert.equal(lines.at(-1), '[exit code 0]');
      assert.equal(readFileSync(join(ws.root, m[1]), 'utf8').split('\n').length, 5001);
      const page = await readTool.execute({ path: m[1], offset: 4999, limit: 2 }, ws.ctx);
      assert.equal(page.output, '4999\t4999\n5000\t5000\n[showing lines 4999-5000 of 5000]');
    });

    test('one very long line is cut by characters; short outputs leave no spill file', async () => {
      const before = existsSync(ws.ctx.spillDir) ? readdirSync(ws.ctx.spillDir).length : 0;
      await bash('echo short');
      assert.equal(existsSync(ws.ctx.spillDir) ? readdirSync(ws.ctx.spillDir).length : 0, before);
      const r = await bash("head -c 20000 /dev/zero | tr '\\0' x");
      assert.ok(r.output.length < BASH_LIMITS.maxChars + 200, `output of ${r.output.length} chars`);
      assert.match(
        r.output,
        /output cut \(0 lines, 12000 chars cut\); full output: \.loopsmith\/out\/\d+\.txt/,
      );
    });

    test('empty commands and bad timeouts are refused', async () => {
      await assert.rejects(bash('   '), /command is empty/);
      await assert.rejects(bash('true', -1), /timeout must be a positive number of seconds/);
    });
  });
}
