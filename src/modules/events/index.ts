/**
 * The events module's public face: `recordEvent(tx, type, data)` writes an event in the
 * caller's transaction (an outbox), and the dispatch job hands it to its consumers.
 */
export {
  dispatchEvent,
  type EventConsumer,
  type EventData,
  recordEvent,
  recordEvents,
  type StoredEvent,
} from './events.js';
