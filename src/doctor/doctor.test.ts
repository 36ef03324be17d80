// `loopsmith doctor` on this machine, and on the same machine with bubblewrap hidden from
// PATH: the failing check says what to install and the exit status is 1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { bwrapAvailable } from '../sandbox/index.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');
const NAMES = ['node', 'bubblewrap', 'cgroups', 'better-sqlite3', 'onnxruntime', 'llama.cpp'];

describe('loopsmith doctor', () => {
  const bin = mkdtempSync(join(tmpdir(), 'ls-doctor-'));
  after(() => rmSync(bin, { recursive: true, force: true }));

  it('checks every part and agrees with the sandbox probe', () => {
    const r = spawnSync(process.execPath, [CLI, 'doctor', '--json'], { encoding: 'utf8' });
    const checks = JSON.parse(r.stdout) as { name: string; status: string; fix?: string }[];
    assert.deepEqual(
      checks.map((c) => c.name),
      NAMES,
    );
    const bw = checks.find((c) => c.name === 'bubblewrap');
    assert.equal(bw?.status, bwrapAvailable().ok ? 'ok' : 'fail');
    for (const c of checks) if (c.status !== 'ok') assert.ok(c.fix, `${c.name} says what to fix`);
    assert.equal(r.status, checks.some((c) => c.status === 'fail') ? 1 : 0);
  });

  it('without bubblewrap on PATH: fail, the install line and the --sandbox none way out', () => {
    symlinkSync(process.execPath, join(bin, 'node'));
    const r = spawnSync(process.execPath, [CLI, 'doctor'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: bin },
    });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /^fail\s+bubblewrap\s+bwrap not found on PATH$/m);
    assert.match(
      r.stdout,
      /fix: Install bubblewrap: `sudo apt-get install bubblewrap`.*--sandbox none/,
    );
    assert.match(r.stdout, /^ok\s+node\s+v\d+/m);
    assert.equal(r.stderr, '');
  });
});
