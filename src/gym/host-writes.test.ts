// The harness's own host-side file operations on paths inside the workspace, attacked from
// the sandbox as an agent would (issue 11): spilled outputs, trajectories, the grading
// reporter file, restored test files and the workspace snapshot. Each plants symlinks to
// a host directory (or swaps folders mid-command) and checks the host directory is
// untouched. Materialized tasks: safeWriteFilesSync in src/sandbox/safe-fs.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runAgent } from '../harness/agent.js';
import { createModel } from '../providers/spec.js';
import { bwrapAvailable, createSandbox } from '../sandbox/index.js';
import { runEpisode } from './env.js';
import { sampleTasks } from './test-utils.js';
import { agentFiles, createWorkspace } from './workspace.js';

const kind = bwrapAvailable().ok ? 'bwrap' : 'none';
const bash = (command: string) => ({
  content: null,
  tool_calls: [{ function: { name: 'bash', arguments: { command } } }],
});
const finish = {
  content: null,
  tool_calls: [{ function: { name: 'finish', arguments: { summary: 'x' } } }],
};

describe(`host-side writes into the workspace (sandbox: ${kind})`, () => {
  let base: string;
  let host: string;
  const hostUntouched = () => {
    assert.deepEqual(readdirSync(host), ['secret.txt']);
    assert.equal(readFileSync(join(host, 'secret.txt'), 'utf8'), 'host data\n');
  };
  before(() => {
    base = mkdtempSync(join(tmpdir(), 'loopsmith-hostwrites-'));
    host = join(base, 'host');
    mkdirSync(host);
    writeFileSync(join(host, 'secret.txt'), 'host data\n');
  });
  after(() => rmSync(base, { recursive: true, force: true }));

  async function script(name: string, messages: unknown[]): Promise<string> {
    const p = join(base, `${name}.json`);
    writeFileSync(p, JSON.stringify(messages));
    return `scripted:${p}`;
  }

  test('spilled outputs and the trajectory: .loopsmith/out and .loopsmith/runs swapped for links to the host', async () => {
    const ws = await createWorkspace({ 'a.txt': 'a\n' }, { parent: base });
    try {
      const big = "head -c 3000000 /dev/zero | tr '\\0' a; echo";
      const model = await createModel(
        await script('spill', [
          bash(
            `rm -rf .loopsmith/out .loopsmith/runs; mkdir -p .loopsmith; ln -s ${host} .loopsmith/out; ln -s ${host} .loopsmith/runs`,
          ),
          bash(big),
          // A swap during the command itself, after the harness opened the folder.
          bash(`rm -rf .loopsmith/out; ln -s ${host} .loopsmith/out; ${big}`),
          bash(`ln -sf ${host}/secret.txt .loopsmith/runs/t.json 2>/dev/null; true`),
          finish,
        ]),
      );
      const t = await runAgent('x', model, createSandbox(kind, ws.root), {
        trajectoryPath: join(ws.root, '.loopsmith', 'runs', 't.json'),
      });
      assert.equal(t.status, 'submitted');
      hostUntouched();
      const saved = JSON.parse(readFileSync(join(ws.root, '.loopsmith', 'runs', 't.json'), 'utf8'));
      assert.equal(saved.id, t.id);
      const obs = t.messages.filter((m) => m.role === 'tool').map((m) => String(m.content));
      // The first big output went to a real folder inside the workspace (the link replaced).
      assert.match(obs[1], /full output: \.loopsmith\/out\/\d+\.txt/, obs[1].slice(-300));
    } finally {
      await ws.dispose();
    }
  });

  test('grading: planted links at test files, the reporter folder and the old reporter path; a link made at the reporter file during the run', async () => {
    const gt = sampleTasks()[0];
    const testFile = gt.task.failToPass[0].split(' > ')[0];
    const src = 'src/stats.js';
    // The code under test turns the reporter file into a link to the host while tests run.
    const relink = `import * as __f from 'node:fs';\nfor (const x of __f.existsSync('.loopsmith-grade') ? __f.readdirSync('.loopsmith-grade') : []) if (x.endsWith('.jsonl')) { try { __f.rmSync('.loopsmith-grade/' + x); __f.symlinkSync(${JSON.stringify(join(host, 'secret.txt'))}, '.loopsmith-grade/' + x); } catch {} }\n`;
    const model = await createModel(
      await script('grade', [
        bash(
          `rm -f ${testFile} && ln -s ${host}/secret.txt ${testFile} && ln -s ${host} .loopsmith-grade && mkdir -p .loopsmith && ln -sf ${host}/secret.txt .loopsmith/grade-events.jsonl`,
        ),
        {
          content: null,
          tool_calls: [
            { function: { name: 'write', arguments: { path: '.relink.js', content: relink } } },
          ],
        },
        bash(`cat .relink.js ${src} > .x && mv .x ${src} && rm .relink.js`),
        finish,
      ]),
    );
    const ep = await runEpisode(gt, model, { sandbox: kind, workDir: base, keepWorkspace: false });
    hostUntouched();
    assert.equal(ep.grade.resolved, false);
    assert.ok(ep.grade.discarded?.some((d) => d.path === testFile && d.why === 'symlink'));
    // The relinked reporter file is not followed: the run is not judged on it.
    assert.ok(ep.grade.verdict === 'invalid' || ep.grade.verdict === 'tampered', ep.grade.verdict);
  });

  test('the workspace snapshot records a planted link as a link, never the host file it points to', async () => {
    const ws = await createWorkspace(agentFiles(sampleTasks()[0]), { parent: base });
    try {
      const model = await createModel(
        await script('snap', [
          bash(`ln -s ${host}/secret.txt leak.txt && ln -s ${host} leakdir`),
          finish,
        ]),
      );
      const t = await runAgent('x', model, createSandbox(kind, ws.root));
      assert.match(t.diff, /leak\.txt/);
      assert.doesNotMatch(t.diff, /host data/);
      hostUntouched();
    } finally {
      await ws.dispose();
    }
  });
});
