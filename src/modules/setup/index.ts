/** The setup module's public face: a new shop's first steps (the demo catalogue). */
export { setupAdminRoutes } from './routes.js';
