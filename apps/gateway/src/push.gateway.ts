import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import type { IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { ConnectionService } from './connection/connection.service';

/** The user-agent WebSocket endpoint at `/` on the gateway's HTTP port. */
@WebSocketGateway({ path: '/' })
export class PushGateway implements OnGatewayConnection {
  constructor(private readonly connections: ConnectionService) {}

  handleConnection(ws: WebSocket, req: IncomingMessage): void {
    this.connections.accept(ws, req);
  }
}
