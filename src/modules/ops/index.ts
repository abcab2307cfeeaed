/** The ops module's public face: health and metrics routes. */
export { opsRoutes } from './routes.js';
