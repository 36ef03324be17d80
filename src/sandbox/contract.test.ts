// The contract every Sandbox backend keeps: the same tests run against each one.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { bwrapAvailable, createSandbox } from './index.js';
import { pidsMatching, tempDir } from './testutil.js';
import type { Sandbox } from './types.js';

const bw = bwrapAvailable();

for (const kind of ['none', 'bwrap'] as const) {
  const skip = kind === 'bwrap' && !bw.ok ? `bubblewrap not usable: ${bw.reason}` : false;

  describe(`Sandbox contract: ${kind}`, { skip }, () => {
    let ws: ReturnType<typeof tempDir>;
    let sb: Sandbox;
    before(() => {
      ws = tempDir();
      mkdirSync(join(ws.dir, 'sub'));
      sb = createSandbox(kind, ws.dir, { timeoutMs: 20_000 });
    });
    after(() => ws.dispose());

    test('reports its kind and the real root', () => {
      assert.equal(sb.kind, kind);
      assert.equal(sb.root, ws.dir);
    });

    test('exit codes are reported', async () => {
      for (const code of [0, 1, 42]) {
        const r = await sb.exec(`exit ${code}`);
        assert.equal(r.exitCode, code);
        assert.equal(r.timedOut, false);
      }
      const r = await sb.exec('no-such-command-loopsmith');
      assert.equal(r.exitCode, 127);
      assert.match(r.output, /command not found/);
    });

    test('runs in the workspace root by default, or in a cwd inside it', async () => {
      // bwrap shows the workspace at a fixed path (and its host path); none at its host path.
      const at = kind === 'bwrap' ? '/repo' : ws.dir;
      assert.equal(sb.workdir, at);
      assert.equal((await sb.exec('pwd')).output, `${at}\n`);
      assert.equal((await sb.exec('pwd', { cwd: 'sub' })).output, `${at}/sub\n`);
      assert.equal((await sb.exec('pwd', { cwd: join(ws.dir, 'sub') })).output, `${at}/sub\n`);
      if (kind === 'bwrap') {
        // One workspace, two paths: a write through either is seen through the other.
        const r = await sb.exec(
          `echo hi > /repo/sub/both && cat ${ws.dir}/sub/both && rm ${ws.dir}/sub/both`,
        );
        assert.equal(r.output, 'hi\n');
        assert.notEqual((await sb.exec('touch /not-writable')).exitCode, 0, '/ stays read-only');
      }
    });

    test('refuses a cwd outside the workspace, also through a symlink', async () => {
      await assert.rejects(sb.exec('pwd', { cwd: '..' }), /outside the workspace/);
      await assert.rejects(sb.exec('pwd', { cwd: '/' }), /outside the workspace/);
      symlinkSync('/etc', join(ws.dir, 'etc-link'));
      await assert.rejects(sb.exec('pwd', { cwd: 'etc-link' }), /outside the workspace/);
      await assert.rejects(sb.exec('pwd', { cwd: 'missing' }), /does not exist/);
    });

    test('stdout and stderr interleave in the order written', async () => {
      const r = await sb.exec('for i in 1 2 3 4 5; do echo out$i; echo err$i >&2; done');
      const expected = [1, 2, 3, 4, 5].map((i) => `out${i}\nerr${i}\n`).join('');
      assert.equal(r.output, expected);
      assert.equal(r.totalBytes, expected.length);
      assert.equal(r.truncated, false);
    });

    test('the timeout kills the command and says so', async () => {
      const r = await sb.exec('echo started; sleep 30', { timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.equal(r.exitCode, null);
      assert.equal(r.output, 'started\n');
      assert.ok(r.durationMs < 15_000, `took ${r.durationMs} ms`);
    });

    test('an abort signal ends the command', async () => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 200);
      const r = await sb.exec('sleep 30', { signal: ac.signal });
      assert.equal(r.exitCode, null);
      assert.equal(r.timedOut, false);
    });

    test('a background job does not keep the call open and does not outlive it', async () => {
      // A duration no other process uses, so pgrep finds only this one.
      const sleep = `sleep 30.${process.pid}${Date.now() % 100_000}`;
      const r = await sb.exec(`${sleep} & echo bg`);
      assert.equal(r.exitCode, 0);
      assert.equal(r.output, 'bg\n');
      assert.ok(r.durationMs < 15_000, `took ${r.durationMs} ms`);
      assert.deepEqual(pidsMatching(sleep), []);
    });

    test('the timeout ends every process of the command', async () => {
      const sleep = `sleep 31.${process.pid}${Date.now() % 100_000}`;
      const r = await sb.exec(`${sleep} & ${sleep} & wait`, { timeoutMs: 500 });
      assert.equal(r.timedOut, true);
      assert.deepEqual(pidsMatching(sleep), []);
    });

    test('stdin reaches the command', async () => {
      const r = await sb.exec('tr a-z A-Z', { stdin: 'hello\n' });
      assert.equal(r.output, 'HELLO\n');
    });

    test('extra env passes, credential-looking names do not', async () => {
      const r = await sb.exec('echo "$GREETING|$MY_API_KEY|$HOME"', {
        env: { GREETING: 'hi', MY_API_KEY: 'sk-nope' },
      });
      const [greeting, key, home] = r.output.trim().split('|');
      assert.equal(greeting, 'hi');
      assert.equal(key, '');
      assert.notEqual(home, process.env.HOME);
      await assert.rejects(sb.exec('true', { env: { 'BAD NAME': 'x' } }), /invalid variable name/);
    });

    test('large output is cut to head + tail and spilled in full', async () => {
      const spillPath = join(ws.dir, '.spill', `${kind}.txt`);
      const r = await sb.exec('seq 1 100000', { maxOutputBytes: 2000, spillPath });
      const full = Array.from({ length: 100000 }, (_, i) => `${i + 1}\n`).join('');
      assert.equal(r.truncated, true);
      assert.equal(r.totalBytes, full.length);
      assert.ok(r.output.startsWith('1\n2\n3\n'));
      assert.ok(r.output.endsWith('99999\n100000\n'));
      assert.ok(r.output.length < 2100);
      assert.equal(readFileSync(spillPath, 'utf8'), full);
    });

    test('a file past maxFileBytes is cut and its writer stopped', async () => {
      const s = createSandbox(kind, ws.dir, { maxFileBytes: 1024 * 1024 });
      const r = await s.exec('head -c 3M /dev/zero > big; echo "rc=$?"; stat -c %s big; rm big');
      assert.match(r.output, /File size limit exceeded/);
      assert.match(r.output, /rc=153\n1048576\n$/);
    });

    test('bad limits are rejected with the field named', async () => {
      await assert.rejects(sb.exec('true', { timeoutMs: -1 }), /timeoutMs must be a positive/);
      await assert.rejects(
        sb.exec('true', { maxOutputBytes: Number.NaN }),
        /maxOutputBytes must be a positive/,
      );
      assert.throws(() => createSandbox(kind, join(ws.dir, 'nope')), /root does not exist/);
    });
  });
}
