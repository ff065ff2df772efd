/**
 * Gavel's client SDK: a buyer bidding over the buyer socket, and a seller calling over the
 * seller socket. Both keep their socket open across drops.
 */
export { connectBuyer, type BuyerConnection, type BuyerOptions, type BuyerPing, type BuyerPost, type PingDecision, type PostDecision } from './buyer-client.js';
export { connectSeller, GavelCallError, type PingAnswer, type PingOptions, type PostAnswer, type SellerConnection, type SellerOptions } from './seller-client.js';
export type { BackoffOptions, FrameFormat, SocketStatus } from './socket-connection.js';
