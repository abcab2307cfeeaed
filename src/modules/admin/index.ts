/** The admin module's public face: the staff routes over users and payments. */
export { adminRoutes, adminSchemas } from './routes.js';
