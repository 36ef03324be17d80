// The slash commands of the interactive session.
import { promptTokens } from '../../harness/compact.js';
import { c, colourDiff } from './render.js';
import type { Runtime } from './runtime.js';

const HELP = `/diff      the workspace against the session start
/undo      put the files back as they were before the last turn that changed them
/tokens    tokens used so far, and the size of the next prompt
/model [X] show the model, or switch to model X (the conversation goes on)
/compact   shorten the context now
/new       start a new conversation (this one is saved)
/exit      leave (Ctrl-C twice, Ctrl-D too)
`;

/** Runs one slash command; 'exit' when the session should end. */
export async function runSlash(
  line: string,
  rt: Runtime,
  out: (s: string) => void,
): Promise<'exit' | undefined> {
  const [cmd, ...rest] = line.trim().split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case '/exit':
    case '/quit':
      return 'exit';
    case '/help':
      out(HELP);
      return;
    case '/diff': {
      const d = await rt.diff();
      out(d ? `${colourDiff(d.trimEnd())}\n` : c.dim('no changes since the session started\n'));
      return;
    }
    case '/undo': {
      const paths = await rt.undo();
      if (paths === undefined)
        out(c.dim('nothing to undo: no turn of this session changed files\n'));
      else out(`${c.green('restored')} ${paths.join(', ')}\n`);
      return;
    }
    case '/tokens': {
      const u = rt.trajectory.usage;
      const window = rt.model.contextWindow;
      out(
        `prompt ${u.promptTokens} · completion ${u.completionTokens} · cached ${u.cachedTokens} · total ${u.totalTokens}${u.estimated ? ' (estimated)' : ''}\n` +
          `next prompt ~${promptTokens(rt.trajectory)} tokens${window ? ` of a ${window}-token window` : ''}\n`,
      );
      return;
    }
    case '/model':
      if (!arg) out(`model ${rt.model.id}\n`);
      else {
        await rt.setModel(arg);
        out(`model ${rt.model.id}\n`);
      }
      return;
    case '/compact':
      out(`${await rt.compact()}\n`);
      return;
    case '/new':
      out(c.dim(`new session ${await rt.renew()}\n`));
      return;
    default:
      out(`${c.yellow(`unknown command ${cmd}`)}\n${HELP}`);
      return;
  }
}
