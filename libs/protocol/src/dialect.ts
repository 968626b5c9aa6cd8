import type { AckUpdate } from './client-frames';

/** The protocols a connection can speak; chosen by its hello. */
export type Mode = 'simplepush' | 'webpush';

/**
 * What differs between the protocols in the pure state machine: which acks are well formed, and
 * how a failed register is answered. One per protocol, in that protocol's folder.
 */
export interface Dialect {
  readonly mode: Mode;
  /** The well-formed acks of a frame (the others are dropped). */
  acks(updates: AckUpdate[]): AckUpdate[];
  /** A register that did not succeed, as this protocol's clients expect it. */
  registerFailure(channelID: string, status: number, reason: string): string;
}
