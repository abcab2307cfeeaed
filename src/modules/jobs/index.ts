/** The jobs module's public face: the queue (an outbox on the same database) and its handlers' type. */
export { EMAIL_SEND_ATTEMPTS, insertJobRows, insertJobs, type JobHandlers, JobQueue } from './queue.js';
