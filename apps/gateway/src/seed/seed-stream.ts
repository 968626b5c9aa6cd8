import type { ServerResponse } from 'node:http';
import type { NodeMessage } from '@herald/storage';
import type { SeedStreamKind } from '@herald/unifiedpush';

/** One id a stream reads: the id as the client wrote it, and the epoch of its route. */
export interface OwnedId {
  readonly id: string;
  /** Set once the id's route was claimed for this stream (null until then). */
  epoch: string | null;
  /** When the id's idle expiry was last set (its claim, or a refresh while the stream is open). */
  touchedAt: number;
}

/**
 * One open stream of the seed's distributor protocol (`/client/id`, `/client/multi_id`): a
 * client connection over HTTP that owns its ids as a WebSocket hello owns its UAID.
 */
export class SeedStream {
  /** uaid → id: the ids this stream owns (their route names this node and epoch). */
  readonly owned: Map<string, OwnedId>;
  /** Stored messages are being read: node messages wait here, then go out in order. */
  early: NodeMessage[] | null = [];
  /** Keys written on this stream: a message read from the store and routed live goes once. */
  readonly sent = new Set<string>();
  lastWrite = Date.now();
  keepalive: NodeJS.Timeout | null = null;
  closed = false;

  constructor(
    readonly kind: SeedStreamKind,
    readonly raw: ServerResponse,
    ids: ReadonlyArray<{ id: string; uaid: string }>,
    now = Date.now(),
  ) {
    this.owned = new Map(ids.map((i) => [i.uaid, { id: i.id, epoch: null, touchedAt: now }]));
  }
}
