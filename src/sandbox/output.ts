// Collects a command's combined output under a byte cap: the first half of the cap is kept
// as the head, the last half as a rolling tail, and the bytes between are dropped from
// memory. The complete text goes to a spill file, opened only once the cap is exceeded
// (before that, the kept text *is* the complete text), so small outputs leave no files.
import { constants as C, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';

export interface CollectedOutput {
  output: string;
  truncated: boolean;
  totalBytes: number;
  /** Set when the spill file could not be written. */
  spillError?: string;
}

/** Bounded head + tail buffer with an optional spill file for the full stream. */
export class OutputCollector {
  private readonly headCap: number;
  private readonly tailCap: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private spill: WriteStream | undefined;
  private spillError: string | undefined;
  private spilled = 0;
  private drainWaiters: (() => void)[] = [];

  constructor(
    maxBytes: number,
    private readonly spillPath?: string,
    /** Bytes the spill file may grow to: an endless `yes` must not fill the disk. */
    private readonly maxSpillBytes = Number.POSITIVE_INFINITY,
  ) {
    this.headCap = Math.floor(maxBytes / 2);
    this.tailCap = maxBytes - this.headCap;
  }

  /** Bytes currently held in memory (head + tail); never more than the cap. */
  get keptBytes(): number {
    return this.headBytes + this.tailBytes;
  }

  /** Adds a chunk; returns false when the spill file is backed up and the producer should pause. */
  push(chunk: Buffer): boolean {
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headCap) {
      const take = Math.min(this.headCap - this.headBytes, rest.length);
      this.head.push(rest.subarray(0, take));
      this.headBytes += take;
      rest = rest.subarray(take);
    }
    if (rest.length > 0) {
      this.tail.push(rest);
      this.tailBytes += rest.length;
    }
    const overCap = this.total > this.headCap + this.tailCap;
    if (overCap && this.spillPath && !this.spill && this.spillError === undefined) {
      // Nothing has been dropped yet: head + tail hold every byte so far.
      this.openSpill([...this.head, ...this.tail]);
    } else if (this.spill) {
      this.write(chunk);
    }
    this.trimTail();
    return !this.spill?.writableNeedDrain;
  }

  /** Resolves when the spill file can take more data. */
  waitDrain(): Promise<void> {
    if (!this.spill?.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Closes the spill file and returns the kept text. */
  async finish(): Promise<CollectedOutput> {
    const spillCut = this.spill !== undefined && this.total > this.spilled;
    if (this.spill) {
      const s = this.spill;
      if (spillCut) this.spill.write(`\n[... output past ${this.spilled} bytes not saved ...]\n`);
      await new Promise<void>((resolve) => {
        if (s.destroyed) return resolve();
        s.end(() => resolve());
        s.once('error', () => resolve());
      });
    }
    const truncated = this.total > this.headBytes + this.tailBytes;
    let output: string;
    if (!truncated) {
      output = Buffer.concat([...this.head, ...this.tail]).toString('utf8');
    } else {
      const head = Buffer.concat(this.head);
      const tail = Buffer.concat(this.tail);
      const h = head.subarray(0, utf8End(head));
      const t = tail.subarray(utf8Start(tail));
      const omitted = this.total - h.length - t.length;
      const note = this.spillError
        ? `; full output not saved: ${this.spillError}`
        : spillCut
          ? `; only the first ${this.spilled} bytes saved`
          : '';
      output = `${h.toString('utf8')}\n[... ${omitted} bytes omitted${note} ...]\n${t.toString('utf8')}`;
    }
    return { output, truncated, totalBytes: this.total, spillError: this.spillError };
  }

  private openSpill(initial: Buffer[]): void {
    const path = this.spillPath!;
    try {
      mkdirSync(dirname(path), { recursive: true });
    } catch (e) {
      this.spillError = (e as Error).message;
      return;
    }
    // A new file only, never through a link: the spill folder may lie in the agent's
    // workspace, where a planted symlink or hard link would redirect a host-side write.
    let fd: number;
    try {
      fd = openSync(path, C.O_WRONLY | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o644);
    } catch (e) {
      this.spillError = (e as Error).message;
      return;
    }
    this.spill = createWriteStream('', { fd });
    this.spill.on('error', (e) => {
      this.spillError = e.message;
      this.releaseWaiters();
    });
    this.spill.on('drain', () => this.releaseWaiters());
    for (const b of initial) this.write(b);
  }

  private write(b: Buffer): void {
    if (this.spillError !== undefined || !this.spill || this.spill.destroyed) return;
    const room = this.maxSpillBytes - this.spilled;
    if (room <= 0) return;
    const part = b.length <= room ? b : b.subarray(0, room);
    this.spilled += part.length;
    this.spill.write(part);
  }

  private releaseWaiters(): void {
    const w = this.drainWaiters;
    this.drainWaiters = [];
    for (const f of w) f();
  }

  private trimTail(): void {
    while (this.tailBytes > this.tailCap) {
      const first = this.tail[0];
      const excess = this.tailBytes - this.tailCap;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
      } else {
        // Copy so the dropped prefix of a large chunk does not stay reachable.
        this.tail[0] = Buffer.from(first.subarray(excess));
        this.tailBytes -= excess;
      }
    }
  }
}

// Cut points are byte offsets; move them so no UTF-8 character is split in two.
function utf8End(b: Buffer): number {
  let i = b.length;
  let back = 0;
  while (i > 0 && back < 4 && (b[i - 1] & 0xc0) === 0x80) {
    i--;
    back++;
  }
  if (i === 0) return b.length;
  const lead = b[i - 1];
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return need === back + 1 ? b.length : i - 1 + (need === 1 ? 1 : 0);
}

function utf8Start(b: Buffer): number {
  let i = 0;
  while (i < b.length && i < 3 && (b[i] & 0xc0) === 0x80) i++;
  return i;
}
