export const GATEWAY_LOGGER = Symbol('GATEWAY_LOGGER');
/** How many client sockets this gateway holds at most (MAX_CONNECTIONS within the descriptor limit). */
export const CONNECTION_CAP = Symbol('CONNECTION_CAP');
