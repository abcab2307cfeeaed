/**
 * Pricing: the totals of a cart or an order (subtotal, discount, shipping, tax, total) as one
 * pure function of integer paise. The cart and the orders call it; it reads nothing.
 */
export { computeTotals, type DiscountInput, type LineInput } from './totals.js';
