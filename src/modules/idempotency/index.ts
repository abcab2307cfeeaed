/** The idempotency module's public face: Idempotency-Key claims, replays and leases. */
export {
  bodyHash,
  claimOrReplay,
  complete,
  deleteExpiredKeys,
  idempotencyKeyOf,
  runOnce,
} from './service.js';
