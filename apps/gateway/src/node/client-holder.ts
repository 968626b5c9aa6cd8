import type { NodeMessage } from '@herald/storage';

/** A user held on this node whose idle expiry is due again, and what to do if it is gone. */
export interface HeldUser {
  uaid: string;
  /** The user no longer exists (reset, or expired during an outage): let its client know. */
  gone(): void;
}

/**
 * What holds clients on this node, whatever their transport (the WebSocket registry, the seed
 * streams): the node membership hands each its node messages, its repair after a subscription
 * gap and its idle-expiry refresh. A UAID is held by one holder at most.
 */
export interface ClientHolder {
  /** Handles a node message for a UAID this holder has; false when it has none. */
  deliver(m: NodeMessage): boolean;
  /**
   * After a gap in the node's subscription: takes back each held route (a push may have judged
   * this node dead) and sends what is stored. Resolves to the count repaired; rejects to stop.
   */
  repair(): Promise<number>;
  /** The held users last touched `every` ms or more before `now`, marked touched now. */
  touchDue(now: number, every: number): HeldUser[];
  /** Redis lost its data: tells the clients to reconnect; the count told. */
  stateLost(): number;
}
