import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { ConnectionAcceptor } from './connection/connection-acceptor';

/**
 * The user-agent WebSocket endpoint at `/` on the gateway's HTTP port: SimplePush, or Web Push
 * when the hello says `use_webpush`.
 */
@WebSocketGateway({ path: '/' })
export class PushGateway implements OnGatewayConnection {
  constructor(private readonly connections: ConnectionAcceptor) {}

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    this.connections.accept(ws, req);
  }
}

/**
 * The same endpoint at `/autopush`, Web Push only, as a Mozilla autopush server speaks it: for
 * clients written against autopush (the UnifiedPush distributors Sunup and KUnifiedPush), whose
 * hello has no `use_webpush` since autopush ignores it.
 */
@WebSocketGateway({ path: '/autopush' })
export class AutopushGateway implements OnGatewayConnection {
  constructor(private readonly connections: ConnectionAcceptor) {}

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    this.connections.accept(ws, req, true);
  }
}
