import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Which connector interface the app speaks: the one of the Distributor interface it called. */
export type ConnectorApi = 1 | 2;

/** One app registration: the app's token ↔ a Web Push channel on the Herald gateway. */
export interface Registration {
  token: string;
  /** The app's D-Bus name (its Connector lives there). */
  service: string;
  description: string;
  api: ConnectorApi;
  /** The application server key the app gave (Distributor2 `vapid`), or null. */
  vapid: string | null;
  channelID: string;
  /** The endpoint Herald gave; null until the gateway confirmed the channel. */
  endpoint: string | null;
}

/** What persists across restarts. */
export interface DistributorState {
  /** The UAID Herald gave this distributor; '' before the first hello. */
  uaid: string;
  registrations: Registration[];
  /** Channels whose unregister the gateway has not confirmed yet. */
  unregistering: string[];
}

export type RegisterOutcome =
  /** Known token with an endpoint: tell the app its endpoint again. */
  | { kind: 'known'; registration: Registration }
  /** New (or not yet confirmed): register the channel with the gateway. */
  | { kind: 'register'; registration: Registration }
  /** Empty fields, or the token belongs to another app. */
  | { kind: 'refused'; reason: string; failure: 'INTERNAL_ERROR' | 'UNAUTHORIZED' };

/**
 * The registrations, as pure state transitions (no I/O): Register with the same token keeps the
 * same channel, so the same endpoint; a token is bound to the app that registered it.
 */
export class RegistrationStore {
  constructor(private state: DistributorState = emptyState()) {}

  get uaid(): string {
    return this.state.uaid;
  }

  snapshot(): DistributorState {
    return structuredClone(this.state);
  }

  all(): readonly Registration[] {
    return this.state.registrations;
  }

  byToken(token: string): Registration | undefined {
    return this.state.registrations.find((r) => r.token === token);
  }

  byChannel(channelID: string): Registration | undefined {
    return this.state.registrations.find((r) => r.channelID === channelID);
  }

  register(input: {
    service: string;
    token: string;
    description: string;
    api: ConnectorApi;
    vapid: string | null;
  }): RegisterOutcome {
    if (!input.token) return { kind: 'refused', reason: 'empty token', failure: 'INTERNAL_ERROR' };
    if (!input.service) {
      return { kind: 'refused', reason: 'empty service name', failure: 'INTERNAL_ERROR' };
    }
    const known = this.byToken(input.token);
    if (known && known.service !== input.service) {
      return {
        kind: 'refused',
        reason: 'token registered by another app',
        failure: 'UNAUTHORIZED',
      };
    }
    if (known && (known.vapid ?? null) === input.vapid) {
      known.description = input.description;
      known.api = input.api;
      return known.endpoint
        ? { kind: 'known', registration: known }
        : { kind: 'register', registration: known };
    }
    if (known) {
      // A new VAPID key needs a new endpoint (it is bound to the key): a new channel.
      this.state.unregistering.push(known.channelID);
      known.channelID = randomUUID();
      known.vapid = input.vapid;
      known.endpoint = null;
      known.api = input.api;
      return { kind: 'register', registration: known };
    }
    const registration: Registration = { ...input, channelID: randomUUID(), endpoint: null };
    this.state.registrations.push(registration);
    return { kind: 'register', registration };
  }

  /** The gateway confirmed a channel: true when the endpoint changed (tell the app). */
  confirmed(channelID: string, endpoint: string): boolean {
    const r = this.byChannel(channelID);
    if (!r || r.endpoint === endpoint) return false;
    r.endpoint = endpoint;
    return true;
  }

  /** The gateway refused a channel: the registration is dropped. */
  refused(channelID: string): Registration | undefined {
    const r = this.byChannel(channelID);
    if (r) this.state.registrations = this.state.registrations.filter((x) => x !== r);
    return r;
  }

  unregister(token: string): Registration | undefined {
    const r = this.byToken(token);
    if (!r) return undefined;
    this.state.registrations = this.state.registrations.filter((x) => x !== r);
    this.state.unregistering.push(r.channelID);
    return r;
  }

  unregistered(channelID: string): void {
    this.state.unregistering = this.state.unregistering.filter((c) => c !== channelID);
  }

  pendingUnregisters(): readonly string[] {
    return this.state.unregistering;
  }

  /**
   * After a hello: a different UAID than ours means Herald lost (or never had) our channels: they
   * are registered again, and their endpoints change. Returns true when that happened.
   */
  helloAccepted(uaid: string): boolean {
    if (uaid === this.state.uaid) return false;
    const hadOne = this.state.uaid !== '';
    this.state.uaid = uaid;
    this.state.unregistering = [];
    // Fresh channels: the old ones may still be owned by the lost UAID (409 on reuse).
    for (const r of this.state.registrations) {
      r.endpoint = null;
      r.channelID = randomUUID();
    }
    return hadOne || this.state.registrations.length > 0;
  }
}

export function emptyState(): DistributorState {
  return { uaid: '', registrations: [], unregistering: [] };
}

/** Reads the state file; a missing or unreadable file is an empty state. */
export function loadState(path: string): DistributorState {
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as Partial<DistributorState>;
    return {
      uaid: typeof s.uaid === 'string' ? s.uaid : '',
      registrations: Array.isArray(s.registrations) ? s.registrations : [],
      unregistering: Array.isArray(s.unregistering) ? s.unregistering : [],
    };
  } catch {
    return emptyState();
  }
}

/** Writes the state file atomically (a crash never leaves half a file). */
export function saveState(path: string, state: DistributorState): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}
