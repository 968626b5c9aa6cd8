import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { HERALD_CONFIG, HeraldConfig } from '@herald/config';
import { metrics } from '@herald/observability';
import { newUaid } from '@herald/protocol';
import { RateWindowRepository, SeedRepository } from '@herald/storage';
import { EndpointTokenCodec } from '@herald/tokens';

const MINUTE_MS = 60_000;

/** What `GET /client/register` came to. */
export type RegistrationOutcome =
  { kind: 'registered'; id: string } | { kind: 'limited'; retryAfter: number };

/**
 * `GET /client/register`: a new seed id (a UnifiedPush endpoint token of a fresh UAID and
 * channel, unguessable and refused without Redis when forged), limited per client address.
 */
@Injectable()
export class SeedRegistrations {
  constructor(
    @Inject(HERALD_CONFIG) private readonly config: HeraldConfig,
    private readonly seeds: SeedRepository,
    private readonly windows: RateWindowRepository,
    private readonly tokens: EndpointTokenCodec,
  ) {}

  /** Rejects (storage unavailable) when the id could not be stored. */
  async register(address: string): Promise<RegistrationOutcome> {
    const retryAfter = await this.limit(address);
    if (retryAfter) return { kind: 'limited', retryAfter };
    const uaid = newUaid();
    const channelID = randomUUID();
    await this.seeds.create(uaid, channelID);
    metrics.seedRegistrations.inc();
    return { kind: 'registered', id: this.tokens.encode({ kind: 'unifiedpush', uaid, channelID }) };
  }

  /** The uaid of a seed id, or null when it is none (forged, or another kind of token). */
  uaidOf(id: string): string | null {
    const claims = this.tokens.decode(id);
    return claims?.kind === 'unifiedpush' ? claims.uaid : null;
  }

  /**
   * Per client address, counted in Redis across every replica: registration needs no credentials
   * and creates state, so without a limit one address could fill Redis with seed ids. Fails open:
   * a Redis hiccup on the counter is no reason to refuse, and the store that follows reports an
   * outage if there is one.
   */
  private async limit(address: string): Promise<number> {
    try {
      return await this.windows.hit(
        `seed-register:${address}`,
        this.config.SEED_REGISTER_RATE_PER_MINUTE,
        MINUTE_MS,
      );
    } catch {
      return 0;
    }
  }
}
