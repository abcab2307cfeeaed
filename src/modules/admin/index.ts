/** The admin module's public face: the staff routes over users and payments. */
export { adminRoutes } from './routes.js';
