/**
 * The cart module's public face: its routes, the guest-cart merge at login, the checkout's
 * view of a cart, and the idle-cart sweep.
 */
export { cartLoginHook, cartRoutes } from './routes.js';
export { deleteIdleGuestCarts, emptyCart, lockCartForCheckout, lockCheckoutLines } from './service.js';
