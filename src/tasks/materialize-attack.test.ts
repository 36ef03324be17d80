// Materialize (the host-side step that writes a task's files into a directory) attacked as
// issue 11 asks: through the real code path, with real files, a real store and real git.
// A task whose stored paths leave the directory, and links planted in the directory while
// materialize runs (by a git hook: code that runs inside it between two of its writes, the
// way an agent's process could), must not make a host write land outside the directory.
// Also: stores of an older generator (no hidden tests) are refused with one clear line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { UserError } from './errors.js';
import { DEFAULT_SPEC, generateInto, TaskStore } from './index.js';
import { materialize, rebuildRepo } from './materialize.js';
import { generateRepo } from './synth/index.js';
import type { Task } from './types.js';

const CLI = join(process.cwd(), 'dist/src/cli/main.js');

describe('materialize under attack', () => {
  let base: string;
  let host: string;
  let db: string;
  let tsTask: Task;
  const hostUntouched = () => {
    assert.deepEqual(readdirSync(host), ['secret.txt']);
    assert.equal(readFileSync(join(host, 'secret.txt'), 'utf8'), 'host data\n');
    assert.equal(statSync(join(host, 'secret.txt')).nlink, 1);
  };

  before(async () => {
    base = mkdtempSync(join(tmpdir(), 'loopsmith-mat-attack-'));
    host = join(base, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'secret.txt'), 'host data\n');
    db = join(base, 'tasks.db');
    const store = new TaskStore(db);
    try {
      await generateInto(store, {
        ...DEFAULT_SPEC,
        source: 'synth',
        count: 3,
        // The first seed whose repository is TypeScript (the tsx link is one of the writes).
        seed: Array.from({ length: 50 }, (_, i) => i + 1).find(
          (s) => generateRepo(s).language === 'ts',
        ) as number,
        maxPerKind: 1,
        workers: 1,
        // Generous: validation must not drop candidates on a loaded machine.
        timeoutMs: 10_000,
      });
      const ts = [...store.iterate({})].find((t) => t.testCmd.includes('--import tsx'));
      assert.ok(ts, 'no TypeScript task generated');
      tsTask = ts;
    } finally {
      store.close();
    }
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  // A git template whose pre-commit hook runs `body` in the work tree: between materialize's
  // file writes and its own later writes (the tsx link, .git/info/exclude).
  function withHook(body: string, fn: () => void): void {
    const tpl = mkdtempSync(join(base, 'tpl-'));
    mkdirSync(join(tpl, 'hooks'));
    writeFileSync(join(tpl, 'hooks', 'pre-commit'), `#!/bin/sh\n${body}\n`);
    chmodSync(join(tpl, 'hooks', 'pre-commit'), 0o755);
    const old = process.env.GIT_TEMPLATE_DIR;
    process.env.GIT_TEMPLATE_DIR = tpl;
    try {
      fn();
    } finally {
      if (old === undefined) delete process.env.GIT_TEMPLATE_DIR;
      else process.env.GIT_TEMPLATE_DIR = old;
    }
  }

  test('links planted mid-run at node_modules and .git/info: refused, nothing written to the host', () => {
    const dir = join(base, 'ws-links');
    withHook(`ln -s ${host} node_modules; rm -rf .git/info; ln -s ${host} .git/info`, () => {
      const store = TaskStore.open(db);
      try {
        assert.throws(
          () => materialize(store, tsTask.id, dir, { git: true }),
          (e: Error) => e instanceof UserError && /not a real directory/.test(e.message),
        );
      } finally {
        store.close();
      }
    });
    // The hook did run (the links are there), and the host directory got nothing.
    assert.ok(existsSync(join(dir, '.git', 'HEAD')));
    hostUntouched();
  });

  test('a hard link planted at .git/info/exclude is replaced, never appended through', () => {
    const dir = join(base, 'ws-hardlink');
    withHook(
      `mkdir -p .git/info; rm -f .git/info/exclude; ln ${join(host, 'secret.txt')} .git/info/exclude`,
      () => {
        const store = TaskStore.open(db);
        try {
          materialize(store, tsTask.id, dir, { git: true });
        } finally {
          store.close();
        }
      },
    );
    hostUntouched();
    assert.equal(
      readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8'),
      'host data\nnode_modules/\n',
    );
    // The honest result is intact: tsx linked, the task's tests run there offline.
    assert.ok(existsSync(join(dir, 'node_modules', 'tsx', 'package.json')));
  });

  test('a task whose stored files leave the directory is refused, nothing written outside', () => {
    const store = TaskStore.open(db);
    try {
      const repo = rebuildRepo(store, tsTask.repoId);
      const evil = {
        ...repo,
        repoId: 'local:evil',
        files: { ...repo.files, '../escape.txt': 'x\n' },
      };
      store.addRepo({
        source: 'local:evil',
        seed: 0,
        repo: evil,
        split: 'train',
        storeFiles: true,
        testIds: [...tsTask.failToPass, ...tsTask.passToPass],
        tasks: [{ ...tsTask, id: 'evil0000000000000000', repoId: 'local:evil' }],
        stats: { candidates: {}, kept: {}, dropped: {}, ms: 0 },
      });
      const dir = join(base, 'inner', 'ws-evil');
      assert.throws(
        () => materialize(store, 'evil0000000000000000', dir),
        (e: Error) => e instanceof UserError && /leaves its root/.test(e.message),
      );
      assert.deepEqual(readdirSync(join(base, 'inner')), ['ws-evil']);
    } finally {
      store.close();
    }
    hostUntouched();
  });

  test('a store of generator version 2 (no hidden tests) is refused: one line, exit 2', () => {
    const old = join(base, 'old.db');
    const store = new TaskStore(old);
    try {
      store.setManifest({ synthVersion: 2 });
      store.addRepo({
        source: 'synth:2',
        seed: 5,
        repo: {
          repoId: 'synth:2:5',
          language: 'js',
          files: {},
          testFiles: [],
          testCmd: 'node --test',
        },
        split: 'train',
        storeFiles: false,
        testIds: [...tsTask.failToPass, ...tsTask.passToPass],
        tasks: [{ ...tsTask, id: 'old00000000000000000', repoId: 'synth:2:5' }],
        stats: { candidates: {}, kept: {}, dropped: {}, ms: 0 },
      });
    } finally {
      store.close();
    }
    const run = (args: string[]) =>
      spawnSync(process.execPath, [CLI, ...args], { cwd: base, encoding: 'utf8' });
    for (const [args, re] of [
      [
        ['tasks', 'materialize', 'old00000000000000000', join(base, 'ws-old'), '--db', old],
        /generator version 2, but this build has version 3; generate a new store/,
      ],
      [
        ['tasks', 'gen', '--source', 'synth', '--count', '9', '--db', old],
        /made by generator version 2, this build has version 3; generate into a new store/,
      ],
    ] as const) {
      const r = run([...args]);
      assert.equal(r.status, 2, r.stderr);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], re);
    }
  });
});
