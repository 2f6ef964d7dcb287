import { mkdir, open, readdir, readFile, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { NotificationReceipt } from '../activities/store/notificationReceipts';

type Waiter = { lines: string; resolve: () => void; reject: (err: Error) => void };

const SEGMENT = /^receipts-(\d{13})-(\d{6})\.jsonl$/;

/**
 * The receiver's durable queue on local disk: receipts are appended as JSON lines to a segment
 * file and fsync'd before the request is answered 202. Appends that arrive while a write is in
 * flight share the next write and fsync (group commit), so fsyncs stay few under load. The
 * forwarder takes whole segments: `seal()` closes the one being written, and a sealed segment is
 * deleted only after its receipts are in PostgreSQL.
 */
export class Spool {
  private handle: FileHandle | undefined;
  private currentName: string | undefined;
  private queue: Waiter[] = [];
  private writing: Promise<void> | undefined;
  private sequence = 0;

  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<Spool> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new Spool(dir);
  }

  /** Resolves once the receipts are on disk (written and fsync'd). */
  append(receipts: NotificationReceipt[]): Promise<void> {
    if (!receipts.length) return Promise.resolve();
    const lines = receipts.map((r) => `${JSON.stringify(r)}\n`).join('');
    return new Promise((resolve, reject) => {
      this.queue.push({ lines, resolve, reject });
      this.writing ??= this.drainQueue();
    });
  }

  /** Closes the segment being written; the next append starts a new one. */
  async seal(): Promise<void> {
    while (this.writing) await this.writing;
    const handle = this.handle;
    this.handle = undefined;
    this.currentName = undefined;
    await handle?.close();
  }

  /** Sealed segments, oldest first: every file but the one being written. */
  async sealedSegments(): Promise<string[]> {
    const names = (await readdir(this.dir)).filter((n) => SEGMENT.test(n) && n !== this.currentName).sort();
    return names.map((n) => path.join(this.dir, n));
  }

  /** The receipts of a segment; a torn last line (a crash mid-write, never acknowledged) is skipped. */
  async readSegment(file: string): Promise<NotificationReceipt[]> {
    const text = await readFile(file, 'utf8');
    const receipts: NotificationReceipt[] = [];
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        receipts.push(JSON.parse(line) as NotificationReceipt);
      } catch {
        // Only the unacknowledged tail of a crashed write can be torn.
      }
    }
    return receipts;
  }

  async removeSegment(file: string): Promise<void> {
    await unlink(file);
  }

  async close(): Promise<void> {
    await this.seal();
  }

  private async drainQueue(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await this.segment();
          await handle.appendFile(batch.map((w) => w.lines).join(''));
          await handle.datasync();
          for (const w of batch) w.resolve();
        } catch (err) {
          // The segment may hold part of this batch: start a new one, never append after a torn write.
          await this.handle?.close().catch(() => undefined);
          this.handle = undefined;
          this.currentName = undefined;
          for (const w of batch) w.reject(err as Error);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async segment(): Promise<FileHandle> {
    if (this.handle) return this.handle;
    const name = `receipts-${String(Date.now()).padStart(13, '0')}-${String(this.sequence++ % 1_000_000).padStart(6, '0')}.jsonl`;
    // Named before the file exists: the forwarder must never take a segment still being opened.
    this.currentName = name;
    const handle = await open(path.join(this.dir, name), 'a', 0o600);
    // The new file's directory entry must be durable too, or a crash could lose the whole file.
    const dir = await open(this.dir, 'r');
    try {
      await dir.sync();
    } catch (err) {
      await handle.close();
      throw err;
    } finally {
      await dir.close();
    }
    this.handle = handle;
    return handle;
  }
}
