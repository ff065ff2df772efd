import { z } from 'zod';
import { BuyerPing, BuyerPost } from './buyer-api.js';
import { ErrorAnswer, LeadsAnswer, LeadsEnvelope, PingAnswer, PingEnvelope, PostAnswer, PostEnvelope } from './seller-api.js';

/**
 * The frames of the two sockets, from the HTTP calls' own schemas with a `type` and an `id` in
 * front: the seller socket /v1/ws (src/front/seller-socket.ts) and the buyer socket
 * /v1/bidders/ws (src/front/buyer-socket.ts, src/buyers/socket-transport.ts). The sockets read
 * their frames by hand, so these are the published contract (asyncapi.json) the tests hold them to.
 */

/** a seller's id for its call, echoed in the answer */
const CallId = z.union([z.string().min(1).max(128), z.number()]).meta({ description: "the seller's id for the call, echoed in its answer" });
const idempotencyKey = z.string().min(1).max(255).optional().meta({ description: 'as the Idempotency-Key header of the HTTP calls' });

export const SellerPingFrame = PingEnvelope.extend({ type: z.literal('ping'), id: CallId, idempotency_key: idempotencyKey });
export const SellerPostFrame = PostEnvelope.extend({ type: z.literal('post'), id: CallId, idempotency_key: idempotencyKey });
export const SellerLeadFrame = LeadsEnvelope.extend({ type: z.literal('lead'), id: CallId, idempotency_key: idempotencyKey });

const answerOf = <T extends z.ZodType>(type: 'ping' | 'post' | 'lead', answer: T) => z.intersection(z.object({ type: z.literal(type), id: CallId }), answer);
export const SellerPingAnswerFrame = answerOf('ping', PingAnswer);
export const SellerPostAnswerFrame = answerOf('post', PostAnswer);
export const SellerLeadAnswerFrame = answerOf('lead', LeadsAnswer);
/** a refused call, or a frame that could not be read (`id` null then); the socket stays open */
export const SellerErrorFrame = ErrorAnswer.extend({
  type: z.literal('error'),
  id: CallId.nullable(),
  status: z.int().meta({ description: 'the HTTP status the same call would have got' }),
});

/** Gavel's frames to a buyer: the native messages with a type and Gavel's call id */
const GavelCallId = z.int().nonnegative().meta({ description: "Gavel's id for the call: answer with it" });
export const BuyerPingFrame = BuyerPing.extend({ type: z.literal('ping'), id: GavelCallId });
export const BuyerPostFrame = BuyerPost.extend({ type: z.literal('post'), id: GavelCallId });

/** the buyer's answers; anything else is not the protocol (a BAD_REPLY pass, or an unconfirmed post) */
export const BuyerBidFrame = z.object({
  type: z.literal('bid'),
  id: GavelCallId,
  bid: z.number().nonnegative().max(1_000_000).meta({ description: 'a positive bid is a bid; 0 is a pass' }),
  bid_id: z.string().max(128).optional(),
  shared_bid: z.number().nonnegative().max(1_000_000).optional(),
});
export const BuyerPassFrame = z.object({ type: z.literal('pass'), id: GavelCallId, reason: z.string().max(256).optional() });
export const BuyerAcceptFrame = z.object({ type: z.literal('accept'), id: GavelCallId, redirect_url: z.url().max(2048).optional() });
export const BuyerRejectFrame = z.object({ type: z.literal('reject'), id: GavelCallId, reason: z.string().max(256).optional() });
