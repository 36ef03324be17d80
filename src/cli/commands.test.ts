// The lazy command table: every row matches what its module registers, and the root
// invocations (--version, --help) import commander and the table only.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { Command } from 'commander';
import { CLI } from '../harness/test-utils.js';
import { COMMANDS } from './commands.js';
import { importedModules } from './import-trace.js';

test('each table row names exactly the commands its module registers, with their descriptions', async () => {
  for (const entry of COMMANDS) {
    const program = new Command('loopsmith');
    (await entry.load())(program);
    const got = program.commands.map((c) => [c.name(), c.description()]);
    const want = entry.names.map((n, i) => [n, entry.summaries[i]]);
    assert.deepEqual(got, want);
  }
});

test('--version and --help import no command module and no library but commander', () => {
  for (const args of [['--version'], ['--help']]) {
    const { urls, status } = importedModules(CLI, args);
    assert.equal(status, 0);
    const ours = urls
      .filter((u) => !u.includes('/node_modules/'))
      .map((u) => u.replace(/.*\/dist\//, ''));
    assert.deepEqual(ours.sort(), [
      'src/cli/commands.js',
      'src/cli/interactive/command.js',
      'src/cli/main.js',
      'src/version.js',
    ]);
    const libs = urls
      .filter((u) => u.includes('/node_modules/'))
      .map((u) => u.replace(/.*\/node_modules\/([^/]+).*/, '$1'));
    assert.deepEqual([...new Set(libs)], ['commander']);
  }
});

test('a command imports its own module, not the others', () => {
  const { urls, status } = importedModules(CLI, ['run', '--help']);
  assert.equal(status, 0);
  assert.ok(urls.some((u) => u.endsWith('/cli/run.js')));
  assert.ok(!urls.some((u) => /\/cli\/(tasks|gym|lm|export)\.js$/.test(u)), urls.join('\n'));
});

test('without a terminal, no command is a usage error (exit 2); an unknown word is named', () => {
  const none = spawnSync(process.execPath, [CLI], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  assert.equal(none.status, 2);
  assert.match(
    none.stderr,
    /^loopsmith: no command given; in a terminal `loopsmith` opens an interactive session/,
  );
  const typo = spawnSync(process.execPath, [CLI, 'rnu'], { encoding: 'utf8' });
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /^error: unknown command 'rnu'/);
  assert.doesNotMatch(typo.stderr, /\n\s+at /);
});
