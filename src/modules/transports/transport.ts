import type { Endpoint } from '../../core/contracts/endpoints.js';

/** One file of a delivery; its name is deterministic per transmission and part. */
export interface OutgoingFile {
  readonly name: string;
  readonly content: string;
  readonly mediaType: string;
}

/** What a transport delivers: one transmission's files. */
export interface Delivery {
  /** Names the delivery everywhere: the idempotency key, the outbox folder, retries. */
  readonly transmissionId: string;
  readonly contractId: string;
  readonly recipientId: string;
  readonly files: readonly OutgoingFile[];
  /**
   * Files earlier attempts of this transmission wrote or may have written and this one does not
   * (its data changed: fewer parts). A transport that can remove a file removes them once the
   * delivery's own files are in place — one already gone (picked up) is no error — so that the
   * recipient is not left with parts of two sets; one that cannot (HTTPS) ignores them. Best
   * effort: a file it may not remove stays, and the delivery, its files in place, stands.
   * None when absent.
   */
  readonly staleFiles?: readonly string[];
}

export type DeliveryResult =
  | {
      readonly ok: true;
      /** Where the files went, without any secret (e.g. `sftp://host:22/incoming/x.edi`). */
      readonly locations: readonly string[];
      /**
       * Of `staleFiles`, how many were found and removed; absent when there were none to
       * remove, or the transport cannot remove a file.
       */
      readonly staleRemoved?: number;
    }
  | {
      readonly ok: false;
      /** Permanent: retrying cannot help (refused credentials, a 4xx, a host key mismatch). */
      readonly permanent: boolean;
      /** A stable code, e.g. `SFTP_HOST_KEY_MISMATCH`, `HTTPS_STATUS_400`, `TIMEOUT`. */
      readonly code: string;
      /** Words for operations; never a payload, a personal value or a secret. */
      readonly reason: string;
    };

/** The transport port: outbox, SFTP, HTTPS behind one interface. */
export interface Transport {
  readonly type: 'outbox' | 'sftp' | 'https';
  /** Delivers every file or reports why not; unexpected exceptions count as transient. */
  deliver(endpoint: Endpoint | undefined, delivery: Delivery): Promise<DeliveryResult>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}
