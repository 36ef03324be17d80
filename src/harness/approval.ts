// Approvals: inside the bubblewrap sandbox commands run without asking; a command that would
// run on the host (the sandbox is `none`, or the user marked the command as needing the host)
// is put to the user first: yes, no, or always for this exact command in this session.
import type { Sandbox } from '../sandbox/types.js';

export type Approval = 'yes' | 'no' | 'always' | { no: string };

export interface ApprovalRequest {
  tool: string;
  command: string;
  turn: number;
  id: string;
  /** `unsandboxed`: the session has no sandbox; `host-command`: matched `hostCommands`. */
  reason: 'unsandboxed' | 'host-command';
}

/** Asks the user; `{no: text}` declines with an explanation the model reads. */
export type Approver = (request: ApprovalRequest) => Promise<Approval>;

export interface ApprovalPolicy {
  /** Undefined: nothing is asked (library callers and `--yes` take responsibility). */
  approve?: Approver;
  /** Command prefixes that run on the host (e.g. `npm install`, which needs the network). @default [] */
  hostCommands?: string[];
  /** Where host commands run; required for `hostCommands` to have an effect. */
  hostSandbox?: Sandbox;
}

/** Whether `command` is marked as needing the host: it equals a prefix or starts with it plus a space. */
export function isHostCommand(command: string, prefixes: readonly string[]): boolean {
  const c = command.trim();
  return prefixes.some((p) => c === p.trim() || c.startsWith(`${p.trim()} `));
}

/** Per-session approval state: the commands answered `always`. */
export class ApprovalGate {
  private readonly always = new Set<string>();
  constructor(
    private readonly policy: ApprovalPolicy,
    private readonly sandbox: Sandbox,
  ) {}

  /** Where a bash command runs, or the observation when the user declines it. */
  async check(
    command: string,
    turn: number,
    id: string,
  ): Promise<{ sandbox: Sandbox } | { declined: string }> {
    const host =
      this.policy.hostSandbox && isHostCommand(command, this.policy.hostCommands ?? [])
        ? this.policy.hostSandbox
        : undefined;
    const target = host ?? this.sandbox;
    if (target.kind !== 'none' || !this.policy.approve || this.always.has(command))
      return { sandbox: target };
    const reason = host ? 'host-command' : 'unsandboxed';
    const answer = await this.policy.approve({ tool: 'bash', command, turn, id, reason });
    if (answer === 'always') this.always.add(command);
    if (answer === 'yes' || answer === 'always') return { sandbox: target };
    return {
      declined: typeof answer === 'object' ? answer.no : 'Not run: the user declined this command.',
    };
  }
}
