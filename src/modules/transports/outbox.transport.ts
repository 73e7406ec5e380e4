import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import type { Endpoint } from '../../core/contracts/endpoints.js';
import { isSafePathSegment, removableStaleFiles } from './delivery-names.js';
import type { Delivery, DeliveryResult, Transport } from './transport.js';

/**
 * The outbox: a folder, `<dir>/<contract>/<transmission id>/<file>` (demo, staging, tests,
 * and every contract under `PASSERELLE_TRANSPORT_OVERRIDE=outbox`). Each file is written
 * under a hidden temporary name in the same folder, then renamed over the final name, so
 * a reader never sees half a file and a retry replaces the file instead of adding one. The
 * folder is the transmission's own: once the files are in place, those an earlier attempt
 * wrote and this one does not (the delivery's `staleFiles`) are removed from it.
 * No fsync: the outbox is not a recipient, and a crash before the outcome is recorded
 * makes the worker deliver again anyway.
 *
 * The calls are synchronous: a delivery is a few small files in a local folder, and each
 * asynchronous call is a round trip through libuv's thread pool — on a memory filesystem
 * the four of a file cost three times the file itself (a third of the worker's CPU time in the
 * transmissions bench). The event loop waits for the disk that long, a fraction of a
 * millisecond per file.
 */
export class OutboxTransport implements Transport {
  readonly type = 'outbox';

  /**
   * Temporary names: random for this process, counted within it — two writers of the same
   * file (two processes, two hosts sharing the folder) never share a temporary file, and
   * no random bytes are drawn per file.
   */
  private readonly temporaryPrefix = randomBytes(6).toString('hex');
  private written = 0;

  constructor(private readonly dir: string) {}

  deliver(_endpoint: Endpoint | undefined, delivery: Delivery): Promise<DeliveryResult> {
    return Promise.resolve(this.write(delivery));
  }

  private write(delivery: Delivery): DeliveryResult {
    const segments = [
      delivery.contractId,
      delivery.transmissionId,
      ...delivery.files.map((f) => f.name),
    ];
    if (!segments.every(isSafePathSegment)) {
      return {
        ok: false,
        permanent: true,
        code: 'OUTBOX_INVALID_NAME',
        reason: 'a contract id, transmission id or file name is not a plain file name',
      };
    }
    const folder = join(this.dir, delivery.contractId, delivery.transmissionId);
    try {
      mkdirSync(folder, { recursive: true });
      const locations: string[] = [];
      for (const file of delivery.files) {
        // Plain segments (checked above): appended as they are, without `join`'s normalizing.
        const path = `${folder}${sep}${file.name}`;
        this.written += 1;
        const temporary = `${folder}${sep}.${file.name}.${this.temporaryPrefix}-${this.written}.tmp`;
        try {
          writeFileSync(temporary, file.content, { encoding: 'utf8', mode: 0o640 });
          renameSync(temporary, path);
        } catch (error) {
          rmSync(temporary, { force: true });
          throw error;
        }
        locations.push(path);
      }
      const stale = removableStaleFiles(delivery);
      if (stale.length === 0) return { ok: true, locations };
      let staleRemoved = 0;
      for (const name of stale) {
        try {
          unlinkSync(`${folder}${sep}${name}`);
          staleRemoved += 1;
        } catch {
          // Never written (the earlier attempt stopped before it), taken away already, or
          // refused: it stays. The delivery's files are in place, so it was delivered.
        }
      }
      return { ok: true, locations, staleRemoved };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
      // A full disk may clear up; a folder we may not write to will not.
      const permanent = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
      return {
        ok: false,
        permanent,
        code: permanent ? 'OUTBOX_NOT_WRITABLE' : 'OUTBOX_WRITE_FAILED',
        reason: `cannot write to the outbox (${code})`,
      };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
