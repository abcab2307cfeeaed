/** The analytics module's public face: the staff dashboard and sales report routes. */
export { analyticsRoutes } from './routes.js';
